// Package deploy keeps the deployed versions of a model during the feed (continuous
// training, README "Continuous training (the retrain step)"): after a day passes its quality gate,
// the retrain step writes deployed/<model>/day=NN/model.bin and, last, its marker
// version.json ("model-version/v1") with the version's lineage: its parent (the
// previous day's version, or the champion for day 1), the days it has seen, its
// config (the fold-in strength chosen on validation) and its metrics.
//
// NCF is refreshed by fold-in (ncf.NCF.FoldIn): every user with ratings the champion
// was not trained on (validation and the released days up to the version's day) gets
// a bias and GMF embedding fitted on them with the item side frozen. A version is a
// pure function of the champion, train, validation and the released days it has seen:
// a rerun writes identical bytes, and ab-eval scores day d+1 with the version of day d
// (Ensure), never one that saw day d+1.
package deploy
