package iijmio

import "time"

// IIJmio reports days and months in Japan time (iijmio.md §7: clients match
// the last packet entry against today's date in Asia/Tokyo) [clients]. Japan
// has had no daylight saving since 1951, so a fixed zone is exact and needs no
// tzdata in a scratch image.
var jst = time.FixedZone("JST", 9*60*60)

// day is a JST calendar day counted from 1970-01-01 (JST).
type day int

// month is a JST calendar month counted as year*12 + month-1.
type month int

func dayOf(t time.Time) day {
	sec := t.Unix() + 9*60*60
	d := sec / 86400
	if sec%86400 < 0 {
		d-- // floor for instants before 1970
	}
	return day(d)
}

func monthOf(t time.Time) month {
	y, m, _ := t.In(jst).Date()
	return month(y*12 + int(m) - 1)
}

// date is the day's UTC calendar date, which equals its JST date because a
// day number counts JST days.
func (d day) date() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

func (d day) String() string {
	var b [8]byte
	return string(d.append(b[:0]))
}

// append writes YYYYMMDD without fmt (GET packet log formats 31 per line).
func (d day) append(b []byte) []byte {
	y, m, dd := d.date().Date()
	return appendDigits(appendDigits(appendDigits(b, y, 4), int(m), 2), dd, 2)
}

func (d day) month() month {
	y, m, _ := d.date().Date()
	return month(y*12 + int(m) - 1)
}

func (m month) String() string {
	var b [6]byte
	return string(appendDigits(appendDigits(b[:0], int(m)/12, 4), int(m)%12+1, 2))
}

// firstDay is the first day of the month.
func (m month) firstDay() day {
	t := time.Date(int(m)/12, time.Month(int(m)%12+1), 1, 0, 0, 0, 0, time.UTC)
	return day(t.Unix() / 86400)
}

func appendDigits(b []byte, v, width int) []byte {
	var tmp [8]byte
	i := len(tmp)
	for range width {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[i:]...)
}

// parseDay reads YYYYMMDD, rejecting impossible dates such as 20250231.
func parseDay(s string) (day, bool) {
	if len(s) != 8 || !allDigits(s) {
		return 0, false
	}
	t, err := time.Parse("20060102", s)
	if err != nil || t.Year() < 2000 {
		return 0, false
	}
	return day(t.Unix() / 86400), true
}

// parseMonth reads YYYYMM.
func parseMonth(s string) (month, bool) {
	if len(s) != 6 || !allDigits(s) {
		return 0, false
	}
	y := atoi(s[:4])
	m := atoi(s[4:])
	if y < 2000 || m < 1 || m > 12 {
		return 0, false
	}
	return month(y*12 + m - 1), true
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := range len(s) {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
