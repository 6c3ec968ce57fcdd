package iijmio

import "time"

// jst is Japan time, in which IIJmio counts days and months
// (docs/providers/iijmio.md, "GET packet log"). Every instant becomes a JST
// date through it. Japan has had no daylight saving since 1951, so a fixed
// zone is exact and needs no tzdata in a scratch image.
var jst = time.FixedZone("JST", 9*60*60)

// day is a JST calendar day counted from 1970-01-01.
type day int

// month is a JST calendar month counted as year*12 + month-1.
type month int

// dayOf is the JST calendar day of t.
func dayOf(t time.Time) day {
	y, m, d := t.In(jst).Date()
	return dayNumber(y, m, d)
}

// monthOf is the JST calendar month of t.
func monthOf(t time.Time) month {
	y, m, _ := t.In(jst).Date()
	return month(y*12 + int(m) - 1)
}

// dayNumber counts calendar days from 1970-01-01. time.UTC serves only as a
// zone without offsets for the calendar arithmetic; the date is a JST date.
func dayNumber(y int, m time.Month, d int) day {
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// date is the day's calendar date at midnight, in the offset-free zone of
// dayNumber.
func (d day) date() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String is YYYYMMDD.
func (d day) String() string { return d.date().Format("20060102") }

func (d day) month() month {
	y, m, _ := d.date().Date()
	return month(y*12 + int(m) - 1)
}

// String is YYYYMM.
func (m month) String() string { return m.firstDay().date().Format("200601") }

// firstDay is the first day of the month.
func (m month) firstDay() day { return dayNumber(int(m)/12, time.Month(int(m)%12+1), 1) }

// parseDay reads YYYYMMDD, rejecting impossible dates such as 20250231.
func parseDay(s string) (day, bool) {
	if len(s) != 8 || !allDigits(s) {
		return 0, false
	}
	t, err := time.Parse("20060102", s)
	if err != nil || t.Year() < 2000 {
		return 0, false
	}
	return dayNumber(t.Date()), true
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
