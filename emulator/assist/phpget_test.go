package assist

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParsePHPGet(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		raw    string
		vals   map[string]string
		arrays []string
	}{
		{"a=1&a=2", map[string]string{"a": "2"}, nil},
		{"a=1;b=2", map[string]string{"a": "1;b=2"}, nil},
		{"a=%41%zz+b%", map[string]string{"a": "A%zz b%"}, nil},
		{"a.b=1&c+d=2&+e=3", map[string]string{"a_b": "1", "c_d": "2", "e": "3"}, nil},
		{"a[]=1&a[x]=2", map[string]string{}, []string{"a"}},
		{"a[]=1&a=2", map[string]string{"a": "2"}, nil},
		{"a=2&a%5B%5D=1", map[string]string{}, []string{"a"}},
		{"a&=x&&b=", map[string]string{"a": "", "b": ""}, nil},
	} {
		q := parsePHPGet(tt.raw)
		assert.Equal(t, tt.vals, q.vals, tt.raw)
		var arrays []string
		for k := range q.arrays {
			arrays = append(arrays, k)
		}
		assert.Equal(t, tt.arrays, arrays, tt.raw)
	}
}
