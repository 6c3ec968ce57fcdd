package iijmio

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fakeapi/fakeapi/internal/golden"
)

func TestPacketGetGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, path string }{
		{"packet_v1", pathPacketV1},
		{"packet_v2", pathPacketV2},
	} {
		t.Run("should answer "+tt.name+" byte for byte", func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			w := e.api("GET", tt.path, "")
			require.Equal(t, http.StatusOK, w.Code)
			assertAPIHeaders(t, w.Result().Header)
			golden.Assert(t, tt.name, w.Body.Bytes())
		})
	}
}

func TestPacketWindowIs31JSTDaysEndingToday(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	// 23:59:59 JST on 2014-01-15 is still the 15th; one second later the
	// window moves to end on the 16th, as clients match today's entry by
	// its Asia/Tokyo date (docs/providers/iijmio.md, "GET packet log").
	require.NoError(t, e.clk.Set(time.Date(2014, 1, 15, 14, 59, 59, 0, time.UTC)))
	log := packetLog(t, e, pathPacketV1, "hdo12345678")
	require.Len(t, log, 31)
	assert.Equal(t, "20131216", log[0].Date)
	assert.Equal(t, "20140115", log[30].Date)
	for i := 1; i < len(log); i++ {
		assert.Less(t, log[i-1].Date, log[i].Date, "should be oldest first")
	}
	assert.Equal(t, PacketDay{Date: "20140101", WithCoupon: 0, WithoutCoupon: 12}, log[16], "should keep fixture history")

	_, err := e.clk.Advance(time.Second)
	require.NoError(t, err)
	log = packetLog(t, e, pathPacketV1, "hdo12345678")
	assert.Equal(t, "20131217", log[0].Date)
	assert.Equal(t, PacketDay{Date: "20140116"}, log[30], "should zero-fill the new day")
}

func TestPacketVersions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits)
	assert.NotContains(t, e.api("GET", pathPacketV1, "").Body.String(), "hduInfo", "should list only hdo lines in v1")
	v2 := e.api("GET", pathPacketV2, "").Body.String()
	assert.Contains(t, v2, `"hduInfo": [{"hduServiceCode": "hdu12345679", "packetLog": [`)
	assert.Contains(t, v2, `"hdxInfo": [{"hdxServiceCode": "hdx12345670", "packetLog": [`)
	assert.Contains(t, v2, `"plan": "Family Share"}`)
	assert.Len(t, packetLog(t, e, pathPacketV2, "hdx12345670"), 31)
}
