package clock

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fixedWall(t0 time.Time) (func() time.Time, func(time.Duration)) {
	now := t0
	return func() time.Time { return now }, func(d time.Duration) { now = now.Add(d) }
}

func TestControlledFollowsWallAndAdvances(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	wall, tick := fixedWall(t0)
	c := NewControlled(wall)
	assert.Equal(t, t0, c.Now(), "should follow wall time with no offset")
	tick(time.Second)
	assert.Equal(t, t0.Add(time.Second), c.Now())
	got, err := c.Advance(time.Hour)
	require.NoError(t, err)
	assert.Equal(t, t0.Add(time.Hour+time.Second), got)
	assert.Equal(t, time.Hour, c.Offset())
}

func TestControlledNeverGoesBack(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	wall, _ := fixedWall(t0)
	c := NewControlled(wall)
	_, err := c.Advance(-time.Second)
	assert.ErrorIs(t, err, ErrBackwards)
	assert.ErrorIs(t, c.Set(t0.Add(-time.Minute)), ErrBackwards)
	require.NoError(t, c.Set(t0.Add(48*time.Hour)))
	assert.Equal(t, t0.Add(48*time.Hour), c.Now())
}

func TestControlledFreeze(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	wall, tick := fixedWall(t0)
	c := NewControlled(wall)
	c.Freeze(true)
	assert.True(t, c.Frozen())
	tick(time.Minute)
	assert.Equal(t, t0, c.Now(), "should stand still while frozen")
	_, err := c.Advance(time.Second)
	require.NoError(t, err)
	assert.Equal(t, t0.Add(time.Second), c.Now())
	c.Freeze(false)
	assert.Equal(t, t0.Add(time.Second), c.Now(), "should resume from the frozen time, not jump")
	tick(time.Second)
	assert.Equal(t, t0.Add(2*time.Second), c.Now())
}

// The sequences an attack run used to break the clock: repeated large
// advances (the offset wrapped to 1742), and set near year 9999 then
// advance (year 10000, which no RFC 3339 writer accepts).
func TestControlledShouldStayInRange(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	wall, _ := fixedWall(t0)
	c := NewControlled(wall)
	_, err := c.Advance(876000 * time.Hour) // 100 years of 365 days
	require.NoError(t, err)
	want := t0.Add(876000 * time.Hour)
	for range 2 {
		_, err = c.Advance(876000 * time.Hour)
		assert.ErrorIs(t, err, ErrOutOfRange)
	}
	assert.Equal(t, want, c.Now(), "a refused move should change nothing")
	_, err = c.Advance(time.Duration(1<<63 - 1))
	assert.ErrorIs(t, err, ErrOutOfRange, "the longest Duration should be refused, not wrap")

	c.Freeze(true)
	assert.ErrorIs(t, c.Set(time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC)), ErrOutOfRange)
	require.NoError(t, c.Set(Max))
	_, err = c.Advance(2 * time.Hour)
	assert.ErrorIs(t, err, ErrOutOfRange)
	_, err = c.Advance(0)
	assert.NoError(t, err, "standing still at Max is allowed")
	assert.Equal(t, Max, c.Now())
	c.Freeze(false)
	assert.False(t, c.Now().Before(Max))

	d := NewControlled(wall)
	assert.ErrorIs(t, d.Set(time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)), ErrOutOfRange)
}
