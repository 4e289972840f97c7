// Package all registers every model with the trainer (trainer.Register) and its
// decoder with scoring, so that scoring.Load and scoring.LoadPredictor can decode any
// model.bin and the trainer can build any model:
//
//	import _ "github.com/recpipe/recpipe/model/all"
//
// A new model adds its blank import here.
package all

import (
	_ "github.com/recpipe/recpipe/model/ncf"
	_ "github.com/recpipe/recpipe/model/ss4rec"
)
