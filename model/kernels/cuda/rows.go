package cuda

// Gather fills out (len(idx) rows of cols) with table[idx[k]], as nn.Gather's
// forward; an index outside the table is an error naming its batch position.
func (dv *Device) Gather(out, table []float32, idx []int32, cols int) error {
	if err := needLen("gather output", out, len(idx)*cols); err != nil {
		return err
	}
	if err := CheckIndices("gather", idx, len(table)/cols); err != nil {
		return err
	}
	return dv.do(func() error {
		pt, err := upload(dv, "rows.table", table)
		if err != nil {
			return err
		}
		pi, err := upload(dv, "rows.idx", idx)
		if err != nil {
			return err
		}
		po, err := dv.buf("rows.out", len(out))
		if err != nil {
			return err
		}
		if err := dv.launch("gather_rows", len(idx)*cols, po, pt, pi, int64(len(idx)), int64(cols)); err != nil {
			return err
		}
		if err := dv.sync("Gather"); err != nil {
			return err
		}
		return dv.download(po, out, "gathered rows")
	})
}

// ScatterAddRows adds the row-sparse gradient g (len(idx) rows of cols) into grad:
// grad[idx[k]] += g[k], in the order of trainer.Param.AddRows (bit-identical). The
// touched-row bookkeeping of a trainer.Param stays on the host.
func (dv *Device) ScatterAddRows(grad []float32, idx []int32, g []float32, cols int) error {
	if err := needLen("scatter-add gradient rows", g, len(idx)*cols); err != nil {
		return err
	}
	if err := CheckIndices("scatter-add", idx, len(grad)/cols); err != nil {
		return err
	}
	plan := NewRowPlan(idx)
	return dv.do(func() error {
		pg, err := upload(dv, "rows.grad", grad)
		if err != nil {
			return err
		}
		pin, err := upload(dv, "rows.g", g)
		if err != nil {
			return err
		}
		pr, err := upload(dv, "rows.rows", plan.Rows)
		if err != nil {
			return err
		}
		ps, err := upload(dv, "rows.start", plan.Start)
		if err != nil {
			return err
		}
		pp, err := upload(dv, "rows.pos", plan.Pos)
		if err != nil {
			return err
		}
		if err := dv.launch("scatter_add_rows", len(plan.Rows)*cols, pg, pin, pr, ps, pp, int64(len(plan.Rows)), int64(cols)); err != nil {
			return err
		}
		if err := dv.sync("ScatterAddRows"); err != nil {
			return err
		}
		return dv.download(pg, grad, "scattered gradient")
	})
}

// AdamDense applies one fused Adam step to a dense tensor (w, m, v updated in place).
func (dv *Device) AdamDense(w, g, m, v []float32, s AdamStep) error {
	if err := sameLen("adam dense", len(w), g, m, v); err != nil {
		return err
	}
	return dv.adam("adam_dense", w, g, m, v, nil, 0, s)
}

// AdamRows applies one lazy Adam step to the given rows (of cols values) of a table.
func (dv *Device) AdamRows(w, g, m, v []float32, rows []int32, cols int, s AdamStep) error {
	if err := sameLen("adam rows", len(w), g, m, v); err != nil {
		return err
	}
	if err := CheckIndices("adam rows", rows, len(w)/cols); err != nil {
		return err
	}
	return dv.adam("adam_rows", w, g, m, v, rows, cols, s)
}

// adam runs kernel k: adam_dense over every value, or adam_rows over rows.
func (dv *Device) adam(k string, w, g, m, v []float32, rows []int32, cols int, s AdamStep) error {
	return dv.do(func() error {
		p, err := dv.uploadAll([]string{"adam.w", "adam.g", "adam.m", "adam.v"}, w, g, m, v)
		if err != nil {
			return err
		}
		sc := []any{float64(s.Scale), float64(s.Decay), float64(s.B1), float64(s.B2), float64(s.StepSize), float64(s.Eps)}
		if k == "adam_dense" {
			err = dv.launch(k, len(w), append([]any{p[0], p[1], p[2], p[3], int64(len(w))}, sc...)...)
		} else {
			pr, uerr := upload(dv, "adam.rows", rows)
			if uerr != nil {
				return uerr
			}
			err = dv.launch(k, len(rows)*cols, append([]any{p[0], p[1], p[2], p[3], pr, int64(len(rows)), int64(cols)}, sc...)...)
		}
		if err != nil {
			return err
		}
		if err := dv.sync("Adam"); err != nil {
			return err
		}
		if err := dv.download(p[0], w, "adam values"); err != nil {
			return err
		}
		if err := dv.download(p[2], m, "adam first moments"); err != nil {
			return err
		}
		return dv.download(p[3], v, "adam second moments")
	})
}
