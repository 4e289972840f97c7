package accel

import (
	"fmt"
	"math"

	"github.com/recpipe/recpipe/model/kernels/cuda"
	"github.com/recpipe/recpipe/model/trainer"
)

// resident is a model's parameters, their gradients and Adam's moments on the device,
// for a training step that stays there (ncfStep, ss4recStep).
type resident struct {
	dv     *cuda.Device
	params []*trainer.Param
	adam   *trainer.Adam
	tc     trainer.TrainConfig
	t      map[*trainer.Param]*devParam
	scal   []float64 // the last step's scalars, accSlots
}

// devParam is a parameter's value, gradient and moments on the device.
type devParam struct{ w, g, m, v cuda.Buf }

// The slots of a step's scalar array (step.cu).
const (
	accSqNorm = iota
	accScale
	accSkip
	accLoss
	accGradBad
	accValueBad
	accLossBad
	accScratch
	accSlots
)

// newResident copies params, their gradients and adam's moments to the device, in
// buffers named after pre and each param.
func newResident(dv *cuda.Device, pre string, params []*trainer.Param, adam *trainer.Adam, tc trainer.TrainConfig) (*resident, error) {
	s := &resident{dv: dv, params: params, adam: adam, tc: tc, t: map[*trainer.Param]*devParam{}, scal: make([]float64, accSlots)}
	err := dv.Run("attach "+pre, func(q *cuda.Queue) error {
		for i, pr := range params {
			d := &devParam{}
			for _, b := range []struct {
				buf  *cuda.Buf
				name string
				src  []float32
			}{{&d.w, "w", pr.Value}, {&d.g, "g", make([]float32, len(pr.Value))}, {&d.m, "m", adam.M[i]}, {&d.v, "v", adam.V[i]}} {
				var err error
				if *b.buf, err = q.Alloc(pre+"."+pr.Name+"."+b.name, len(b.src)); err != nil {
					return err
				}
				if err := cuda.Put(q, *b.buf, b.src); err != nil {
					return err
				}
			}
			s.t[pr] = d
		}
		return nil
	})
	return s, err
}

// Pull implements trainer.DeviceStepper.
func (s *resident) Pull() error {
	return s.dv.Run("pull", func(q *cuda.Queue) error {
		for i, pr := range s.params {
			d := s.t[pr]
			for _, c := range []struct {
				dst []float32
				src cuda.Buf
			}{{pr.Value, d.w}, {pr.Grad, d.g}, {s.adam.M[i], d.m}, {s.adam.V[i], d.v}} {
				if err := cuda.Get(q, c.dst, c.src.Ptr); err != nil {
					return fmt.Errorf("%s: %w", pr.Name, err)
				}
			}
		}
		return nil
	})
}

// step runs one training step's work on the device: it copies idx up (the batch),
// zeroes the step's scalars, calls body, and copies the scalars down into s.scal.
func (s *resident) step(pre string, idx []int32, body func(r *run, ib, acc cuda.Buf)) error {
	return s.dv.Run(pre+" step", func(q *cuda.Queue) error {
		ib, err := q.Alloc(pre+".idx", len(idx))
		if err != nil {
			return err
		}
		if err := cuda.Put(q, ib, idx); err != nil {
			return err
		}
		acc, err := q.Alloc(pre+".acc", 2*accSlots)
		if err != nil {
			return err
		}
		r := &run{q: q, pre: pre + ".act."}
		r.launch("fill_zero", accSlots, acc.Ptr, int64(accSlots))
		body(r, ib, acc)
		if r.err != nil {
			return r.err
		}
		return cuda.Get(q, s.scal, acc.Ptr)
	})
}

// w and g are the device addresses of a param's value and gradient.
func (s *resident) w(p *trainer.Param) cuda.Ptr { return s.t[p].w.Ptr }
func (s *resident) g(p *trainer.Param) cuda.Ptr { return s.t[p].g.Ptr }

// stepResult reads a step's scalars: the loss (sumSq over count), the pre-clip norm and
// the failed check.
func stepResult(sc []float64, sumSq float64, count int) trainer.DeviceStep {
	res := trainer.DeviceStep{Loss: trainer.Loss{SumSq: sumSq, Count: count}, Norm: math.Sqrt(sc[accSqNorm])}
	switch {
	case sc[accLossBad] != 0:
		res.NonFinite = "loss"
	case sc[accGradBad] != 0:
		res.NonFinite = "gradient"
	case sc[accValueBad] != 0:
		res.NonFinite = "value"
	}
	return res
}

// run issues a step's work, keeping the first error.
type run struct {
	q   *cuda.Queue
	pre string // the prefix of the activation buffers' names
	err error
}

func (r *run) launch(k string, n int, args ...any) {
	if r.err == nil {
		r.err = r.q.Launch(k, n, args...)
	}
}

func (r *run) gemm(c, a, b cuda.Ptr, m, k, n int, ta, tb bool, beta float32) {
	if r.err == nil {
		r.err = r.q.Gemm(c, a, b, m, k, n, ta, tb, beta)
	}
}

// act is the activation buffer called name, of n values.
func (r *run) act(name string, n int) cuda.Ptr {
	if r.err != nil {
		return 0
	}
	b, err := r.q.Alloc(r.pre+name, max(n, 1))
	r.err = err
	return b.Ptr
}

// updateParams is the trainer's step after the backward: the gradient norm and its
// check in Params order, clipping, Adam (lazy on a table's touched rows, rowsOf), the
// check of the new values, and the zeroing of the touched gradient rows.
func (r *run) updateParams(s *resident, acc cuda.Buf, rowsOf func(*trainer.Param) (cuda.Ptr, int), clip, lr float64) {
	norm := func(t *trainer.Param, x cuda.Ptr, sum, flag int) {
		if t.Sparse {
			rows, n := rowsOf(t)
			r.launch("sq_norm", 1, acc.Ptr, x, rows, int64(n), int64(t.Cols()), int64(sum), int64(flag))
			return
		}
		r.launch("sq_norm", 1, acc.Ptr, x, cuda.Ptr(0), int64(1), int64(len(t.Value)), int64(sum), int64(flag))
	}
	for _, t := range s.params {
		norm(t, s.g(t), accSqNorm, accGradBad)
	}
	r.launch("clip_scale", 1, acc.Ptr, clip)
	tc := s.tc
	for _, t := range s.params {
		d := s.t[t]
		plr := lr
		if t.LRScale != 1 { // as trainer.Adam.Update: lr·LRScale·√bc2/bc1
			plr = lr * t.LRScale
		}
		st := cuda.NewAdamStep(tc.Beta1, tc.Beta2, tc.Eps, plr, 1, t.Decay, s.adam.Step)
		sc := []any{acc.Ptr, float64(st.Decay), float64(st.B1), float64(st.B2), float64(st.StepSize), float64(st.Eps)}
		if t.Sparse {
			rows, n := rowsOf(t)
			r.launch("adam_rows_acc", n*t.Cols(), append([]any{d.w.Ptr, d.g.Ptr, d.m.Ptr, d.v.Ptr, rows, int64(n), int64(t.Cols())}, sc...)...)
		} else {
			r.launch("adam_dense_acc", len(t.Value), append([]any{d.w.Ptr, d.g.Ptr, d.m.Ptr, d.v.Ptr, int64(len(t.Value))}, sc...)...)
		}
	}
	for _, t := range s.params {
		norm(t, s.w(t), accScratch, accValueBad)
		if t.Sparse {
			rows, n := rowsOf(t)
			r.launch("zero_rows", n*t.Cols(), s.g(t), rows, int64(n), int64(t.Cols()))
		}
	}
}
