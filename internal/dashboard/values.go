package dashboard

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// shortValue renders a check's observed value or threshold (a number, a string, an
// object of numbers, or null) for a table cell.
func shortValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return trimFloat(x)
	case string:
		if len(x) > 16 { // checksums
			return x[:12] + "…"
		}
		return x
	case map[string]any:
		data, err := json.Marshal(roundAll(x))
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(data)
	}
	return fmt.Sprint(v)
}

func roundAll(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if f, ok := v.(float64); ok {
			v = json.Number(trimFloat(f))
		}
		out[k] = v
	}
	return out
}

// trimFloat is v with at most 4 significant decimals, no trailing zeros.
func trimFloat(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprint(v)
	}
	if v != 0 && math.Abs(v) < 0.001 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64)
}

// number is v as a float: v itself, or its field named field when v is an object.
func number(v any, field string) (float64, bool) {
	if m, ok := v.(map[string]any); ok && field != "" {
		v = m[field]
	}
	f, ok := v.(float64)
	return f, ok && !math.IsNaN(f) && !math.IsInf(f, 0)
}
