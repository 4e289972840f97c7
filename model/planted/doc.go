// Package planted makes MovieLens-shaped ratings with known time effects, and the
// predictors that know them: the proof bench for a claim that a model captures time.
//
// Generate draws users who rate in sessions (minutes apart within a session, an hour
// to a year between sessions) and adds to each rating's mean one planted time effect
// (Shape: the gap since the previous rating, a random-walk drift of the user's level
// in absolute time, or a transient after a long absence). Data.Oracle predicts the
// planted noise-free mean (the floor no model can beat on average); FeatureBaseline is
// a bias model told the form of the effect that fits only its size on train (the bar
// a model capturing the effect should reach). The split is that of a prepared
// dataset (Split), so models are measured by the project's protocol.
package planted
