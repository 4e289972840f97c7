// Package ncf is model A: NeuMF (He et al. 2017) for rating prediction. A GMF branch
// (element-wise product of user and item embeddings) and an MLP branch (user and item
// embeddings through a ReLU tower) are joined by a final linear layer, plus a global
// bias and user and item biases; the loss is the mean squared error.
//
// Training runs through a gorgonia graph (built once per batch shape and fed in place)
// driven by model's trainer; prediction runs the same arithmetic in plain Go from the
// parameters alone, so model.bin needs no graph. A user or item unseen in train has no
// embedding: its rows fall back to what is known (the other side's bias and the global
// bias). Importing the package registers "ncf" with trainer.Register.
package ncf
