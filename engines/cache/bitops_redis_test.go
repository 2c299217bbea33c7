package cache

import (
	"testing"
)

// BITCOUNT, BITPOS, BITOP and BITFIELD against a real redis-server 7.0:
// every option, the range rules, empty and missing keys, wrong types and
// the error of each malformed argument, in RESP2 and RESP3.

func TestBitcountAgreesWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"SET s foobar", "BITCOUNT s", "BITCOUNT s 0 0", "BITCOUNT s 1 1", "BITCOUNT s 0 -1", "BITCOUNT s -2 -1",
		"BITCOUNT s 1 1 BYTE", "BITCOUNT s 5 30 BIT", "BITCOUNT s 0 -1 bit", "BITCOUNT s -5 -1 BIT", "BITCOUNT s -1 -5 BIT",
		"BITCOUNT s -1 -2", "BITCOUNT s -1 -2 FOO", "BITCOUNT s 2 1", "BITCOUNT s 100 200", "BITCOUNT s -100 -50",
		"BITCOUNT s -100 100", "BITCOUNT s 0 1000000 BIT", "BITCOUNT s 47 47 BIT", "BITCOUNT s 46 46 BIT", "BITCOUNT s 7 8 BIT",
		"BITCOUNT s 9223372036854775807 9223372036854775807", "BITCOUNT s -9223372036854775808 9223372036854775807 BIT",
		"BITCOUNT s 0", "BITCOUNT s 0 1 BYTE x", "BITCOUNT s 0 1 FOO", "BITCOUNT s x 1", "BITCOUNT s 0 x", "BITCOUNT s 0 x FOO",
		"BITCOUNT s 01 2", "BITCOUNT s +1 2", `BITCOUNT s 0 -1 "bit\x00x"`,
		"BITCOUNT nokey", "BITCOUNT nokey 0 -1", "BITCOUNT nokey a b", "BITCOUNT nokey 1", "BITCOUNT nokey 1 2 3 4",
		"SET e \"\"", "BITCOUNT e", "BITCOUNT e 0 -1", "BITCOUNT e 0 -1 BIT", "BITCOUNT e 0 0",
		"SET n 12345", "BITCOUNT n", "BITCOUNT n 1 2",
		"SET ff \"\\xff\\xff\\xff\\x00\\x01\\x80\"", "BITCOUNT ff", "BITCOUNT ff 3 3 BIT", "BITCOUNT ff 1 46 BIT", "BITCOUNT ff 2 4",
		"RPUSH l x", "BITCOUNT l", "BITCOUNT l x y", "BITCOUNT l 0", "BITCOUNT", "BITCOUNT s 0 1 BIT x",
	})
}

func TestBitposAgreesWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"SET s \"\\xff\\xf0\\x00\"", "BITPOS s 0", "BITPOS s 1", "BITPOS s 1 2", "BITPOS s 0 2", "BITPOS s 0 1", "BITPOS s 1 1 -1",
		"BITPOS s 0 0 0", "BITPOS s 0 0 1", "BITPOS s 0 -2 -1", "BITPOS s 1 -1", "BITPOS s 1 -1 -1",
		"BITPOS s 0 7 15 BIT", "BITPOS s 0 0 11 BIT", "BITPOS s 0 0 12 BIT", "BITPOS s 1 12 23 BIT", "BITPOS s 1 5 BIT",
		"BITPOS s 0 3 5 BIT", "BITPOS s 1 3 5 BYTE", "BITPOS s 1 -10 -1 BIT", "BITPOS s 0 -1 -2", "BITPOS s 0 5 2 BIT",
		"BITPOS s 0 100", "BITPOS s 1 100", "BITPOS s 0 -100", "BITPOS s 0 -100 -50", "BITPOS s 0 0 1000000",
		"BITPOS s 1 0 -1 bit", "BITPOS s 0 9223372036854775807", "BITPOS s 0 -9223372036854775808 9223372036854775807 BIT",
		"SET ones \"\\xff\\xff\"", "BITPOS ones 0", "BITPOS ones 0 1", "BITPOS ones 0 0 -1", "BITPOS ones 0 0 -1 BIT",
		"BITPOS ones 0 3 BIT", "BITPOS ones 0 3 15 BIT", "BITPOS ones 1", "BITPOS ones 0 -1", "BITPOS ones 0 5",
		"SET zeros \"\\x00\\x00\"", "BITPOS zeros 1", "BITPOS zeros 0", "BITPOS zeros 1 1", "BITPOS zeros 0 1 1", "BITPOS zeros 1 2 9 BIT",
		"SET e \"\"", "BITPOS e 0", "BITPOS e 1", "BITPOS e 0 0", "BITPOS e 0 0 -1", "BITPOS e 1 0 -1 BIT",
		"BITPOS nokey 0", "BITPOS nokey 1", "BITPOS nokey 0 5 10", "BITPOS nokey 0 x", "BITPOS nokey 2", "BITPOS nokey x",
		"BITPOS s 2", "BITPOS s -1", "BITPOS s x", "BITPOS s 1 x", "BITPOS s 1 0 x", "BITPOS s 1 0 x FOO", "BITPOS s 1 0 1 FOO",
		"BITPOS s 1 0 1 BIT x", "BITPOS s 01", "BITPOS s 1 0 -1 \"byte\\x00z\"",
		"SET n 12", "BITPOS n 1", "BITPOS n 0 1",
		"RPUSH l x", "BITPOS l 1", "BITPOS l 2", "BITPOS l 1 x", "BITPOS", "BITPOS s",
	})
}

func TestBitopAgreesWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"SET a \"\\x0f\\xf0\\xaa\"", "SET b \"\\xff\"", "SET c \"\\x01\\x02\\x03\\x04\\x05\"",
		"BITOP AND d a b", "GET d", "BITOP and d a b c", "GET d", "BITOP OR d a b", "GET d", "BITOP or d a c nokey", "GET d",
		"BITOP XOR d a b c", "GET d", "BITOP xor d a a", "GET d", "BITOP NOT d a", "GET d", "BITOP not d b", "GET d",
		"BITOP AND d a nokey", "GET d", "BITOP OR d nokey a", "GET d", "BITOP XOR d a", "GET d", "BITOP AND d a", "GET d",
		"BITOP AND d nokey", "EXISTS d", "BITOP AND d nokey nokey2", "EXISTS d", "BITOP NOT d nokey", "EXISTS d",
		"SET e \"\"", "BITOP OR d e", "EXISTS d", "BITOP NOT d e", "SET d x", "BITOP NOT d e", "EXISTS d",
		"RPUSH d x", "BITOP OR d a", "TYPE d", "GET d", "RPUSH d2 x", "BITOP AND d2 nokey", "EXISTS d2",
		"SET t abc EX 100", "BITOP OR t a", "TTL t", "BITOP AND a a b", "GET a",
		"SET n 123", "BITOP NOT d n", "GET d",
		"RPUSH l x", "BITOP AND d a l", "BITOP AND d l nokey", "BITOP NOT d l", "BITOP FOO d a", "BITOP FOO d l",
		"BITOP NOT d a b", "BITOP NOT d l b", "BITOP ANDX d a", "BITOP \"and\\x00x\" d a", "BITOP AND d", "BITOP AND",
	})
}

func TestBitfieldAgreesWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		// GET, SET, INCRBY of every width class, and # offsets.
		"BITFIELD f SET i8 0 -100 GET i8 0 GET u8 0 GET u4 0 GET i4 4", "GET f",
		"BITFIELD f SET u8 #1 255 GET u8 #1 GET i8 8 INCRBY u2 100 1 GET u2 100", "GET f",
		"BITFIELD f SET i64 0 -1 GET i64 0 GET u63 0 GET u63 1 GET i64 1", "GET f",
		"BITFIELD f SET u63 0 9223372036854775807 GET u63 0 GET i64 0", "BITFIELD f SET i1 0 -1 GET i1 0 GET u1 0",
		"BITFIELD f SET i16 #3 1000 GET i16 48 GET i16 #3 INCRBY i16 #3 -2000 GET i16 #3", "GET f",
		"BITFIELD f get u8 0 Get I8 0 sEt U8 0 7 incrBY i5 3 1", "BITFIELD f GET u8 1000 GET i64 10000", "STRLEN f",
		"BITFIELD f", "BITFIELD f OVERFLOW SAT", "BITFIELD f SET u8 0 1 OVERFLOW FAIL", "BITFIELD f GET u8 #0", "BITFIELD f GET u8 #-0",
		// Missing keys: a read creates nothing, a write creates the key.
		"BITFIELD nokey GET u8 0 GET i64 100", "EXISTS nokey", "BITFIELD_RO nokey GET u8 0", "EXISTS nokey",
		"BITFIELD nokey SET u1 100 1", "GET nokey", "STRLEN nokey",
		"BITFIELD nokey2 OVERFLOW FAIL INCRBY u8 0 300", "GET nokey2", "BITFIELD nokey3 OVERFLOW FAIL SET i8 20 200", "STRLEN nokey3",
		"BITFIELD nokey4 OVERFLOW FAIL SET u8 0 1 GET u8 0", "BITFIELD nokey5 GET u8 0 SET u8 100 1", "STRLEN nokey5",
		// Overflow at the boundaries of i8, u8, i64 and u63, for SET and INCRBY in each mode.
		"SET o \"\"",
		"BITFIELD o SET i8 0 127 INCRBY i8 0 1 GET i8 0", "BITFIELD o SET i8 0 -128 INCRBY i8 0 -1 GET i8 0",
		"BITFIELD o OVERFLOW SAT SET i8 0 127 INCRBY i8 0 1 INCRBY i8 0 -300 INCRBY i8 0 1000", "GET o",
		"BITFIELD o OVERFLOW FAIL SET i8 0 127 INCRBY i8 0 1 INCRBY i8 0 -255 INCRBY i8 0 -1 GET i8 0",
		"BITFIELD o OVERFLOW WRAP SET i8 0 128 SET i8 0 -129 SET i8 0 255 SET i8 0 1000 GET i8 0",
		"BITFIELD o OVERFLOW SAT SET i8 0 128 GET i8 0 SET i8 0 -129 GET i8 0 SET i8 0 9223372036854775807 GET i8 0",
		"BITFIELD o OVERFLOW FAIL SET i8 0 128 SET i8 0 -129 SET i8 0 127 SET i8 0 -128 GET i8 0",
		"BITFIELD o SET u8 0 255 INCRBY u8 0 1 GET u8 0 INCRBY u8 0 -1 GET u8 0",
		"BITFIELD o OVERFLOW SAT SET u8 0 255 INCRBY u8 0 1 INCRBY u8 0 -256 INCRBY u8 0 -1 INCRBY u8 0 9223372036854775807",
		"BITFIELD o OVERFLOW SAT SET u8 0 256 SET u8 0 -1 GET u8 0 SET u8 0 -9223372036854775808 GET u8 0",
		"BITFIELD o OVERFLOW WRAP SET u8 0 256 SET u8 0 -1 GET u8 0 SET u8 0 -9223372036854775808 GET u8 0 INCRBY u8 0 -9223372036854775808",
		"BITFIELD o OVERFLOW FAIL SET u8 0 255 INCRBY u8 0 1 SET u8 0 0 INCRBY u8 0 -1 SET u8 0 -1 SET u8 0 256 GET u8 0",
		"BITFIELD o SET i64 0 9223372036854775807 INCRBY i64 0 1 GET i64 0 INCRBY i64 0 -1",
		"BITFIELD o OVERFLOW SAT SET i64 0 9223372036854775807 INCRBY i64 0 1 INCRBY i64 0 9223372036854775807 GET i64 0",
		"BITFIELD o OVERFLOW SAT SET i64 0 -9223372036854775808 INCRBY i64 0 -1 INCRBY i64 0 -9223372036854775808 INCRBY i64 0 9223372036854775807",
		"BITFIELD o OVERFLOW FAIL SET i64 0 9223372036854775807 INCRBY i64 0 1 SET i64 0 -9223372036854775808 INCRBY i64 0 -1 GET i64 0",
		"BITFIELD o OVERFLOW WRAP SET i64 0 -9223372036854775808 INCRBY i64 0 -1 INCRBY i64 0 -9223372036854775808 GET i64 0",
		"BITFIELD o SET u63 0 9223372036854775807 INCRBY u63 0 1 GET u63 0 INCRBY u63 0 -1 GET u63 0",
		"BITFIELD o OVERFLOW SAT SET u63 0 9223372036854775807 INCRBY u63 0 1 SET u63 0 -1 INCRBY u63 0 -9223372036854775808 INCRBY u63 0 -1",
		"BITFIELD o OVERFLOW FAIL SET u63 0 0 INCRBY u63 0 -1 INCRBY u63 0 9223372036854775807 INCRBY u63 0 1 SET u63 0 -1 GET u63 0",
		"BITFIELD o OVERFLOW WRAP SET u63 0 -1 GET u63 0 INCRBY u63 0 -9223372036854775808 GET u63 0",
		"BITFIELD o OVERFLOW SAT SET i1 0 1 SET i1 0 -2 GET i1 0 SET u1 0 2 GET u1 0 INCRBY u1 0 -5 INCRBY i1 0 5",
		"BITFIELD o OVERFLOW FAIL INCRBY u8 0 1 OVERFLOW WRAP INCRBY u8 0 1000 OVERFLOW SAT INCRBY u8 0 1000 GET u8 0", "GET o",
		// Fields that straddle bytes, at unaligned offsets.
		"SET x \"\\xa5\\x5a\\xff\\x00\\x12\\x34\\x56\\x78\\x9a\\xbc\"", "BITFIELD x GET u5 3 GET i13 7 GET u63 9 GET i64 13 GET i64 16",
		"BITFIELD x SET u5 3 31 SET i13 7 -4000 INCRBY i64 13 1 GET u63 9", "GET x",
		// Huge offsets: the first byte of a field must lie within proto-max-bulk-len.
		"BITFIELD h GET u8 4294967295", "BITFIELD h GET u8 4294967288 GET i64 4294967295", "BITFIELD h GET u8 4294967296",
		"BITFIELD h GET u8 #536870911", "BITFIELD h GET u8 #536870912", "BITFIELD h GET i64 #67108863", "BITFIELD h GET i64 #67108864",
		"BITFIELD h GET i64 #288230376151711744", "BITFIELD h SET u8 #288230376151711744 7", "GET h", "BITFIELD h GET i64 #-1",
		"BITFIELD h GET u8 9223372036854775807", "BITFIELD h GET u8 9223372036854775808", "BITFIELD h GET u8 -1",
		// Errors, in the order Redis checks them.
		"BITFIELD f GET", "BITFIELD f GET u8", "BITFIELD f SET u8 0", "BITFIELD f INCRBY u8 0", "BITFIELD f OVERFLOW",
		"BITFIELD f OVERFLOW foo", "BITFIELD f OVERFLOW foo GET x 0", "BITFIELD f FOO", "BITFIELD f GET u8 0 FOO",
		"BITFIELD f GET u64 0", "BITFIELD f GET i65 0", "BITFIELD f GET u0 0", "BITFIELD f GET i0 0", "BITFIELD f GET x8 0",
		"BITFIELD f GET u 0", "BITFIELD f GET i 0", "BITFIELD f GET \"\" 0", "BITFIELD f GET u08 0", "BITFIELD f GET u+8 0",
		"BITFIELD f GET i-8 0", "BITFIELD f GET U63 0", "BITFIELD f GET I64 0", "BITFIELD f GET \"u8\\x00zz\" 0",
		"BITFIELD f GET u8 x", "BITFIELD f GET u8 #", "BITFIELD f GET u8 #x", "BITFIELD f GET u8 ##1", "BITFIELD f GET u8 1.5",
		"BITFIELD f SET u8 0 x", "BITFIELD f SET u8 0 1.0", "BITFIELD f INCRBY u8 0 9223372036854775808",
		"BITFIELD f SET u64 x y", "BITFIELD f SET u8 x y", "BITFIELD f GET u8 0 SET i64 0 x GET u99 0",
		"BITFIELD f SET u8 0 1 GET u99 0", "GET f", "BITFIELD f OVERFLOW WRAP OVERFLOW \"sat\\x00x\" INCRBY u8 0 1000",
		// WRONGTYPE comes after the arguments are checked.
		"RPUSH l x", "BITFIELD l GET u8 0", "BITFIELD l SET u8 0 1", "BITFIELD l", "BITFIELD l GET u99 0", "BITFIELD l FOO",
		"BITFIELD_RO l GET u8 0", "BITFIELD_RO l SET u8 0 1",
		// BITFIELD_RO: GET only, other operations refused after parsing.
		"BITFIELD_RO f GET u8 0 GET i16 #1", "BITFIELD_RO f", "BITFIELD_RO f OVERFLOW SAT GET u8 0",
		"BITFIELD_RO f SET u8 0 1", "BITFIELD_RO f INCRBY u8 0 1", "BITFIELD_RO f GET u8 0 SET u8 0 x",
		"BITFIELD_RO f GET u99 0 SET u8 0 1", "BITFIELD_RO f FOO", "BITFIELD_RO nokey9 SET u8 0 1", "EXISTS nokey9",
		// The TTL stays; the string as a whole (GET) is what the fields wrote.
		"SET t abc EX 100", "BITFIELD t SET u8 0 65", "TTL t", "GET t", "SET n 1234", "BITFIELD n INCRBY u8 0 1", "GET n",
		"BITFIELD", "BITFIELD_RO",
	})
}

// Strings the bit commands write are raw whatever they hold, as in Redis,
// where BITOP builds a raw sds and BITFIELD unshares the value into one;
// a BITFIELD that only reads leaves the encoding alone, and COPY keeps it.
func TestBitopsEncodingAgreesWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"SET n 123", "SET e abc", "BITOP OR d n", "GET d", "OBJECT ENCODING d", "BITOP AND d2 e", "OBJECT ENCODING d2",
		"BITFIELD n GET u8 0", "OBJECT ENCODING n", "BITFIELD e GET u8 0", "OBJECT ENCODING e",
		"BITFIELD n INCRBY u8 0 0", "GET n", "OBJECT ENCODING n", "BITFIELD e OVERFLOW FAIL INCRBY u8 0 1000", "OBJECT ENCODING e",
		"BITFIELD new SET u8 0 49", "GET new", "OBJECT ENCODING new", "COPY new copied", "OBJECT ENCODING copied",
		"BITFIELD_RO n GET u8 0", "OBJECT ENCODING n", "SET n 123", "OBJECT ENCODING n",
	})
}

// Which keys a BITFIELD reads or writes, as COMMAND GETKEYSANDFLAGS tells.
func TestBitopsKeysAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"COMMAND GETKEYSANDFLAGS bitfield k", "COMMAND GETKEYSANDFLAGS bitfield k get u8 0",
		"COMMAND GETKEYSANDFLAGS bitfield k get u8 0 overflow sat get i8 0", "COMMAND GETKEYSANDFLAGS bitfield k get u8 0 set u8 0 1",
		"COMMAND GETKEYSANDFLAGS bitfield k INCRBY u8 0 1", "COMMAND GETKEYSANDFLAGS bitfield k get u8", "COMMAND GETKEYSANDFLAGS bitfield k foo",
		"COMMAND GETKEYSANDFLAGS bitfield k overflow", "COMMAND GETKEYSANDFLAGS bitfield k set u8 0",
		"COMMAND GETKEYSANDFLAGS bitfield_ro k get u8 0", "COMMAND GETKEYSANDFLAGS bitop and d a b c",
		"COMMAND GETKEYSANDFLAGS bitcount k 0 1", "COMMAND GETKEYSANDFLAGS bitpos k 1", "COMMAND GETKEYS bitop not d a",
		"COMMAND GETKEYS bitop and d",
	})
}

// Cases from Redis 7.0.15's own tests/unit/bitops.tcl and bitfield.tcl,
// each named by the test it comes from.
func TestBitopsTclSuiteCasesAgreeWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		// "BITCOUNT regression test for github issue #582".
		"SETBIT foo 0 1", "BITCOUNT foo 0 4294967296", "BITCOUNT foo 0 4294967296 BIT",
		// "BITCOUNT misaligned prefix", "BITCOUNT misaligned prefix + full words + remainder".
		"SET str ab", "BITCOUNT str 1 -1", "SET str \"__PPxxxxxxxxxxxxxxxxRR__\"", "BITCOUNT str 2 -3", "BITCOUNT str 19 -17 BIT",
		// "BITCOUNT returns 0 with out of range indexes" and "... negative indexes where start > end".
		"SET str xxxx", "BITCOUNT str 4 10", "BITCOUNT str 32 87 BIT", "BITCOUNT str -6 -7", "BITCOUNT str -6 -15 BIT",
		"SET str \"\"", "BITCOUNT str 0 -1", "BITCOUNT str -1 -1 BIT",
		// "BITOP where dest and target are the same key", "BITOP AND|OR|XOR don't change the string with single input key".
		"SET s \"\\xaa\\x00\\xff\\x55\"", "BITOP NOT s s", "GET s", "BITOP AND res1 s", "BITOP OR res2 s", "BITOP XOR res3 s",
		"GET res1", "GET res2", "GET res3",
		// "BITOP missing key is considered a stream of zero".
		"BITOP AND res1 no-such-key s", "BITOP OR res2 no-such-key s no-such-key", "BITOP XOR res3 no-such-key s",
		"GET res1", "GET res2", "GET res3",
		// "BITOP shorter keys are zero-padded to the key with max length".
		"SET a \"\\x01\\x02\\xff\\xff\"", "SET b \"\\x01\\x02\\xff\"", "BITOP AND res1 a b", "BITOP OR res2 a b",
		"BITOP XOR res3 a b", "GET res1", "GET res2", "GET res3",
		// "BITOP with integer encoded source objects", "BITOP with empty string after non empty string (issue #529)".
		"SET a 1", "SET b 2", "BITOP XOR dest a b a", "GET dest", "FLUSHALL", "SET a \"\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\"",
		"BITOP OR x a b", "GET x",
		// "BITPOS bit=0 with empty key returns 0", "BITPOS bit=1 with empty key returns -1", "... string ...".
		"DEL str", "BITPOS str 0", "BITPOS str 0 0 -1 BIT", "BITPOS str 1", "BITPOS str 1 0 -1", "SET str \"\"", "BITPOS str 1",
		"BITPOS str 0", "BITPOS str 1 0 -1", "BITPOS str 0 0 -1 BIT",
		// "BITPOS bit=0 fuzzy testing using SETBIT"'s edges and "BITPOS bit=1 works with intervals".
		"SET str \"\\x00\\xff\\x00\"", "BITPOS str 1 0 -1", "BITPOS str 1 1 -1", "BITPOS str 1 2 -1", "BITPOS str 1 2 200",
		"BITPOS str 1 1 1", "BITPOS str 1 7 15 BIT", "BITPOS str 1 7 -3 BIT", "BITPOS str 1 16 -1 BIT", "BITPOS str 1 16 200 BIT",
		"SET str \"\\xff\\x00\\xff\"", "BITPOS str 0 0 -1", "BITPOS str 0 1 -1", "BITPOS str 0 2 -1", "BITPOS str 0 2 200",
		"BITPOS str 0 1 1", "BITPOS str 0 0 -1 BIT", "BITPOS str 0 8 -1 BIT", "BITPOS str 0 16 -1 BIT", "BITPOS str 0 16 200 BIT",
		// "BITPOS bit=0 changes behavior if end is given", "BITPOS bit=1 fuzzy testing"'s all-ones string.
		"SET str \"\\xff\\xff\\xff\"", "BITPOS str 0", "BITPOS str 0 0", "BITPOS str 0 0 -1", "BITPOS str 0 0 -1 BIT",
		// "BITPOS will illegal arguments".
		"SET str \"\\xff\\x00\\xff\"", "BITPOS str 0 1 2 3", "BITPOS str 0 1 2 BYTE x", "BITPOS str 0 1 2 FOO",
		"BITCOUNT str 0 1 2 3", "BITCOUNT str 0 1 BIT x",
		// bitfield.tcl "BITFIELD signed SET and GET basics", "... unsigned ...", "#<idx> form", "basic INCRBY form",
		// "chaining of multiple commands", "unsigned overflow wrap/sat", "signed overflow wrap/sat", "overflow detection fuzzing" edges.
		"DEL bits", "BITFIELD bits SET i8 0 -100", "BITFIELD bits SET i8 0 101", "BITFIELD bits GET i8 0",
		"BITFIELD bits SET u8 0 255", "BITFIELD bits SET u8 0 100", "BITFIELD bits GET u8 0",
		"BITFIELD bits SET u8 #0 65", "BITFIELD bits SET u8 #1 66", "BITFIELD bits SET u8 #2 67", "GET bits",
		"BITFIELD bits SET u8 #0 10", "BITFIELD bits INCRBY u8 #0 100", "BITFIELD bits INCRBY u8 #0 100",
		"BITFIELD bits INCRBY u8 #0 10 INCRBY u8 #0 10 INCRBY u8 #0 10",
		"BITFIELD bits SET u8 0 100", "BITFIELD bits OVERFLOW WRAP INCRBY u8 0 257", "BITFIELD bits OVERFLOW SAT INCRBY u8 0 -255",
		"BITFIELD bits SET i8 0 100", "BITFIELD bits OVERFLOW WRAP INCRBY i8 0 257", "BITFIELD bits OVERFLOW WRAP INCRBY i8 0 255",
		"BITFIELD bits OVERFLOW SAT INCRBY i8 0 -255", "BITFIELD bits OVERFLOW SAT INCRBY i8 0 255",
		"BITFIELD bits OVERFLOW FAIL INCRBY i8 0 255", "BITFIELD bits OVERFLOW FAIL SET i8 0 128 SET u8 8 256",
		// "BITFIELD regression for #3221", "#3564".
		"SET bits 1", "BITFIELD bits GET u1 0", "DEL mystring",
		"BITFIELD mystring SET i8 0 10 SET i8 64 10 INCRBY i8 10 99900", "BITFIELD mystring SET i8 0 10 SET i8 64 10 INCRBY i8 10 99900",
		"GET mystring", "BITFIELD mystring GET u1 0 GET u1 200",
		// "BITFIELD_RO with only key as argument", "BITFIELD_RO fails when write option is used".
		"BITFIELD_RO bits", "BITFIELD_RO bits GET u8 0", "BITFIELD_RO bits SET u8 0 100 GET u8 0",
	})
}
