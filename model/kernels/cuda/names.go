package cuda

import "slices"

// Kernels maps each GPU entry point of this package (the kernels.Backend methods and
// the row, optimizer and matrix operations) to the CUDA kernels it launches, by their
// extern "C" names in the *.cu files. Gemm launches none: it calls cuBLAS.
var Kernels = map[string][]string{
	"S5Forward":      {"s5_fwd_states", "s5_fwd_out"},
	"S5Backward":     {"s5_bwd_states", "s5_bwd_du", "s5_bwd_c", "s5_bwd_b", "s5_bwd_lambda"},
	"MambaForward":   {"mamba_fwd"},
	"MambaBackward":  {"mamba_bwd_scan", "mamba_bwd_bc", "mamba_bwd_a"},
	"Gather":         {"gather_rows"},
	"ScatterAddRows": {"scatter_add_rows"},
	"AdamDense":      {"adam_dense"},
	"AdamRows":       {"adam_rows"},
	"Gemm":           nil,
	// the resident training step (package accel), besides Gather, ScatterAddRows and Gemm
	"ResidentStep": {"fill_zero", "hadamard", "bias_relu", "relu_grad", "col_sum", "ncf_head", "mse_loss",
		"mse_grad", "sq_norm", "clip_scale", "adam_dense_acc", "adam_rows_acc", "zero_rows", "gather_rows", "scatter_add_rows"},
	// SS4Rec's resident step (package accel): these, the scans' kernels and ResidentStep's
	"SS4RecStep": {"zero_f", "vec_add", "bias_add", "embed_sum", "scale_rows", "dropout_mask", "layer_norm_fwd",
		"layer_norm_bwd", "layer_norm_bwd_params", "silu_fwd", "silu_grad", "conv_fwd", "conv_bwd_x", "conv_bwd_w",
		"ss4rec_head", "ss4rec_loss", "ss4rec_head_bwd", "window_tau"},
}

// KernelNames returns every kernel name of Kernels, sorted, without repeats.
func KernelNames() []string {
	var out []string
	for _, ks := range Kernels {
		out = append(out, ks...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
