// Package movielens ships the MovieLens ml-latest-small release (GroupLens Research,
// https://grouplens.org/datasets/movielens/) inside the binaries that need it, byte for
// byte as published, with its README (which carries the licence: redistribution is
// allowed under the same terms).
package movielens
