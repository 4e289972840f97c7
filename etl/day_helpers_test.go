package etl_test

import "strconv"

func dayItoa(v int32) string   { return strconv.Itoa(int(v)) }
func dayItoa64(v int64) string { return strconv.FormatInt(v, 10) }
