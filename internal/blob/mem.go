package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// Mem is an in-process bucket, for tests. The zero value is not usable: call NewMem.
type Mem struct {
	mu   sync.RWMutex
	objs map[string]memObject
	now  func() time.Time
}

type memObject struct {
	data  []byte
	attrs Attrs
}

// NewMem returns an empty in-memory bucket.
func NewMem() *Mem { return &Mem{objs: map[string]memObject{}, now: time.Now} }

func (m *Mem) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	m.mu.RLock()
	o, ok := m.objs[key]
	m.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader(o.data)), nil
}

func (m *Mem) Stat(ctx context.Context, key string) (Attrs, error) {
	if err := ValidateKey(key); err != nil {
		return Attrs{}, err
	}
	m.mu.RLock()
	o, ok := m.objs[key]
	m.mu.RUnlock()
	if !ok {
		return Attrs{}, fmt.Errorf("stat %s: %w", key, ErrNotFound)
	}
	return o.attrs, nil
}

func (m *Mem) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Attrs, error) {
	if err := ValidateKey(key); err != nil {
		return Attrs{}, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return Attrs{}, fmt.Errorf("put %s: %w", key, err)
	}
	a := Attrs{Key: key, Size: int64(len(data)), ETag: ETagOf(data), ModTime: m.now().UTC()}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.objs[key]; ok && opts.IfAbsent {
		return Attrs{}, fmt.Errorf("put %s: %w", key, ErrExists)
	}
	m.objs[key] = memObject{data: data, attrs: a}
	return a, nil
}

func (m *Mem) List(ctx context.Context, prefix string) ([]Attrs, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Attrs
	for k, o := range m.objs {
		if strings.HasPrefix(k, prefix) {
			out = append(out, o.attrs)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (m *Mem) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.objs, key)
	m.mu.Unlock()
	return nil
}

func (m *Mem) URL() string  { return "mem://" }
func (m *Mem) Close() error { return nil }
