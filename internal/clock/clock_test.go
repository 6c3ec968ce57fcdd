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
