package subscribe

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The rules WeChat applies to a value by its key's type, the prefix of
// the key (thing1, amount2, character_string3...), from §13's table and
// its notes: "符号" are the common symbols other than Chinese, letters and
// digits, never control characters such as a newline; a time is HH:MM or
// HH:MM:SS; a date is y年m月d日, y年m月 or m月d日, or joined by '-', '/'
// or '.' (2018-01-01, 2018/01/01, 2018.01.01, 2018-01, 01-01); a range
// joins two with a half-width '~' (a full-width '～' is refused).
//
// UNCONFIRMED and chosen here, strict where the table is silent: a thing
// may hold spaces but no control character; number has no sign and counts
// its digits (not the point) against 32; amount takes at most one currency
// symbol (values without one are widely sent, so none is accepted too),
// and counts the digits of both sides of the point against 10; symbol and
// character_string take no space; phone_number is digits and symbols,
// no space; car_number is 1 to 8 characters; name holds no digit, and a
// name without Chinese may hold spaces; a numeric date needs a space before
// its clock time (2019-10-01 15:01), 日 does not (2019年10月1日15:01); a time needs its clock time (a date
// alone is refused), a date may carry one.

// Key types, by prefix. Longer prefixes first: none is a prefix of another
// here, but the order keeps it so if one is added.
const (
	TypeThing           = "thing"
	TypeNumber          = "number"
	TypeLetter          = "letter"
	TypeSymbol          = "symbol"
	TypeCharacterString = "character_string"
	TypeTime            = "time"
	TypeDate            = "date"
	TypeAmount          = "amount"
	TypePhoneNumber     = "phone_number"
	TypeCarNumber       = "car_number"
	TypeName            = "name"
	TypePhrase          = "phrase"
	TypeEnum            = "enum"
)

// KeyTypes lists every key type, in §13's order.
var KeyTypes = []string{TypeThing, TypeNumber, TypeLetter, TypeSymbol, TypeCharacterString, TypeTime, TypeDate,
	TypeAmount, TypePhoneNumber, TypeCarNumber, TypeName, TypePhrase, TypeEnum}

// KeyType is the type of a template key: its prefix before the trailing
// digits (thing1 → thing), or false for a key WeChat would not make.
func KeyType(key string) (string, bool) {
	prefix := strings.TrimRight(key, "0123456789")
	if prefix == key || len(key)-len(prefix) > 3 || !slices.Contains(KeyTypes, prefix) {
		return "", false
	}
	return prefix, true
}

// keyIndex is the number after the prefix (thing12 → 12).
func keyIndex(key string) int {
	n, _ := strconv.Atoi(key[len(strings.TrimRight(key, "0123456789")):])
	return n
}

// Valid says whether value (not empty) passes the rule of its key's type;
// enum values must be one of enum.
func Valid(keyType, value string, enum []string) bool {
	if !utf8.ValidString(value) {
		return false
	}
	n := utf8.RuneCountInString(value)
	switch keyType {
	case TypeThing:
		return n <= 20 && !strings.ContainsFunc(value, unicode.IsControl)
	case TypeNumber:
		return numberPattern.MatchString(value) && digitCount(value) <= 32
	case TypeLetter:
		return n <= 32 && all(value, isLatin)
	case TypeSymbol:
		return n <= 5 && all(value, isSymbol)
	case TypeCharacterString:
		return n <= 32 && all(value, func(r rune) bool { return isLatin(r) || isDigit(r) || isSymbol(r) })
	case TypeTime:
		return validRange(value, validTimeValue)
	case TypeDate:
		return validRange(value, validDateValue)
	case TypeAmount:
		return validAmount(value)
	case TypePhoneNumber:
		return n <= 17 && strings.ContainsFunc(value, isDigit) && all(value, func(r rune) bool { return isDigit(r) || isSymbol(r) })
	case TypeCarNumber:
		return validCarNumber(value)
	case TypeName:
		return validName(value)
	case TypePhrase:
		return n <= 5 && all(value, isHan)
	case TypeEnum:
		return slices.Contains(enum, value)
	}
	return false
}

var numberPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

func all(s string, ok func(rune) bool) bool {
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}

func digitCount(s string) int {
	n := 0
	for _, r := range s {
		if isDigit(r) {
			n++
		}
	}
	return n
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
func isLatin(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
func isHan(r rune) bool   { return unicode.Is(unicode.Han, r) }

// isSymbol: a common symbol, not Chinese, a letter, a digit, a space or a
// control character.
func isSymbol(r rune) bool {
	return (unicode.IsPunct(r) || unicode.IsSymbol(r)) && !isHan(r)
}

// validRange takes one value, or two joined by a half-width '~'
// (spaces around it allowed).
func validRange(value string, one func(string) bool) bool {
	parts := strings.Split(value, "~")
	if len(parts) > 2 {
		return false
	}
	for _, p := range parts {
		if !one(strings.TrimSpace(p)) {
			return false
		}
	}
	return true
}

var (
	clockPattern = regexp.MustCompile(`^([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?$`)
	// The date forms, with the year, month and day groups they carry.
	hanYMD = regexp.MustCompile(`^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日$`)
	hanYM  = regexp.MustCompile(`^([0-9]{4})年([0-9]{1,2})月$`)
	hanMD  = regexp.MustCompile(`^([0-9]{1,2})月([0-9]{1,2})日$`)
	sepYMD = regexp.MustCompile(`^([0-9]{4})([-/.])([0-9]{1,2})([-/.])([0-9]{1,2})$`)
	sepYM  = regexp.MustCompile(`^([0-9]{4})[-/.]([0-9]{1,2})$`)
	sepMD  = regexp.MustCompile(`^([0-9]{1,2})[-/.]([0-9]{1,2})$`)
	// A date and a clock time: after 日 a space is optional, after a
	// digit it is needed.
	hanDateClock = regexp.MustCompile(`^(.+日)\s*([0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)$`)
	sepDateClock = regexp.MustCompile(`^(.+[0-9])\s+([0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)$`)
)

func validClock(s string) bool {
	m := clockPattern.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	sec := 0
	if m[3] != "" {
		sec, _ = strconv.Atoi(m[3])
	}
	return h <= 23 && mi <= 59 && sec <= 59
}

func validDate(s string) bool {
	atoi := func(x string) int { n, _ := strconv.Atoi(x); return n }
	ymd := func(y, m, d int) bool {
		if m < 1 || m > 12 || d < 1 {
			return false
		}
		t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		return t.Day() == d // not 2月30日
	}
	if m := hanYMD.FindStringSubmatch(s); m != nil {
		return ymd(atoi(m[1]), atoi(m[2]), atoi(m[3]))
	}
	if m := sepYMD.FindStringSubmatch(s); m != nil {
		return m[2] == m[4] && ymd(atoi(m[1]), atoi(m[3]), atoi(m[5]))
	}
	for _, re := range []*regexp.Regexp{hanYM, sepYM} {
		if m := re.FindStringSubmatch(s); m != nil {
			return atoi(m[2]) >= 1 && atoi(m[2]) <= 12
		}
	}
	for _, re := range []*regexp.Regexp{hanMD, sepMD} {
		if m := re.FindStringSubmatch(s); m != nil {
			return ymd(2000, atoi(m[1]), atoi(m[2])) // a leap year: 2月29日 is a day
		}
	}
	return false
}

// validDateClock: a date, then a clock time.
func validDateClock(s string) bool {
	for _, re := range []*regexp.Regexp{hanDateClock, sepDateClock} {
		if m := re.FindStringSubmatch(s); m != nil && validDate(m[1]) && validClock(m[2]) {
			return true
		}
	}
	return false
}

// validTimeValue: a clock time, with a date before it or not.
func validTimeValue(s string) bool { return validClock(s) || validDateClock(s) }

// validDateValue: a date, with a clock time after it or not.
func validDateValue(s string) bool { return validDate(s) || validDateClock(s) }

var amountPattern = regexp.MustCompile(`^(\p{Sc})?([0-9]+(?:\.[0-9]+)?)(元)?$`)

func validAmount(s string) bool {
	m := amountPattern.FindStringSubmatch(s)
	return m != nil && digitCount(m[2]) <= 10
}

// validCarNumber: at most 8 characters, letters and digits, the first and
// the last of which may be Chinese (粤A8Z888挂).
func validCarNumber(s string) bool {
	rs := []rune(s)
	if len(rs) > 8 {
		return false
	}
	for i, r := range rs {
		if !(isLatin(r) || isDigit(r) || (isHan(r) && (i == 0 || i == len(rs)-1))) {
			return false
		}
	}
	return true
}

// validName: up to 20 letters, symbols or spaces, or up to 10 characters
// once any is Chinese; no digit.
func validName(s string) bool {
	n := utf8.RuneCountInString(s)
	if strings.ContainsFunc(s, isHan) {
		return n <= 10 && all(s, func(r rune) bool { return isHan(r) || isLatin(r) || isSymbol(r) })
	}
	return n <= 20 && all(s, func(r rune) bool { return isLatin(r) || isSymbol(r) || r == ' ' })
}
