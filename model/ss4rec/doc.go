// Package ss4rec is model B: a continuous-time sequential recommender built from a
// time-aware S5 layer and a Mamba selective-scan layer (SS4Rec, arXiv 2502.08132),
// trained for rating prediction. Importing it registers "ss4rec" with the trainer's
// registry; the shared trainer (trainer.TrainRun) drives it through trainer.Trainable.
//
// What the model sees: for a rating of item j by user u at time t, the user's
// interactions strictly before t (docs/design.md §Data protocol), oldest first, between MaxSeqLen/2 and
// MaxSeqLen of them when the history has that many. Each position's input is the
// item embedding plus an embedding of the rating the user gave it; its gap τ is the
// time to the next interaction (for the last position, to t: the gap to the scored
// rating reaches the output), as the raw interval in days plus an hour (Net.Gap
// "days"; the hour keeps a same-second tie in the state, since a zero step drops the
// input under the zero-order hold). Each S5 state q has a learned step exp(log_step_q)
// (initialised log-uniformly over 1/20..1/0.002 per day, so states forget over
// minutes to decades), Δ_q = τ·exp(log_step_q), and each position's S5 input is
// divided by its τ (Net.InputPerTime: an interaction enters with the same weight
// whatever the gap after it). Λ and the steps train with their own learning-rate
// scale and no weight decay, as in S5. A time-blind net takes every gap as zero.
// docs/ss4rec-fidelity.md sets each choice against the paper and the official code.
// Two blocks follow, each
// h = LN(x + Dropout(S5(x, τ))), out = LN(h + Dropout(Mamba(h))). The rating is
// μ + b_j + ⟨W_u·o + c, e_j⟩ + ⟨w_b, o⟩, where o is the last block's output at the last
// position, e_j the target item's embedding (tied with the input table) and b_j its
// bias. A user with no interaction before t, or an item unseen in training, falls
// back to what is known (μ and b_j; a zero embedding for the unknown item).
//
// Sequences are right-padded; item row 0 is padding and real items are rows 1..n
// (n+1 is the unknown item), so no real item collides with padding. Every layer is
// causal, so padding never reaches a real position.
//
// Training: a user's training sequence is cut into windows of MaxSeqLen positions
// starting every MaxSeqLen/2; each interaction that has history is a target in the
// window where the position of its last earlier interaction falls in the second half
// (or in the first window). Same-second ties share that earlier state. One forward
// and backward pass per batch of windows predicts every target in them. The windows
// are not materialised: every training interaction's item row, rating and gap is
// stored once in flat columns and a window is a span of them (windowSet), copied
// into a padded batch only when its batch runs, so the examples of ML-32M-scale data
// take about 13 bytes per training interaction (the windows overlap by half).
//
// Inference (Predict) follows the same window rule; see Predict for how a user's
// prefix is shared between rows.
//
// The scans are the fused kernels of model/kernels behind kernels.Backend (Model.
// Backend). Training has one path: a gorgonia graph of the training pass built once
// per batch shape and fed in place (graph.go): gorgonia does the wiring and the
// differentiation; custom Ops (graph_ops.go, graph_scans.go) carry the scans, layer
// norm, causal convolution, SiLU, the row gathers and the embedding lookups whose
// row-sparse gradients go into the tables through AddRows; dropout masks are drawn
// from Batch.Seed and fed as inputs. Inference has one engine (Predict,
// predict_engine.go and predict_window.go): window passes in evaluation mode, plus
// one recurrent step (step.go) from a kept layer state for a row whose gap to its
// last interaction is not the one the window saw.
//
// The hand-written forward and backward over flat slices, checked against finite
// differences, is test code (reference_forward_test.go, reference_backward_test.go):
// the graph is checked against it (same loss and gradients within float32 rounding)
// and the inference engine against it bit for bit. Ablations (Net.S5Only,
// Net.MambaOnly, Net.TimeBlind) are switches of the same net section.
package ss4rec
