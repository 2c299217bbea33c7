package cache

import "testing"

// Scripts whose replies must be redis-server 7.0's byte for byte, in RESP2
// and RESP3: the struct library's formats, sizes, alignment and errors,
// and conversions the other tests read from fixed expectations.
var scriptCompareScript = []string{
	`EVAL "return struct.pack('>i2 <I4 b B h H l L T', -2, 70000, -1, 255, -300, 65535, -5, 5, 9)" 0`,
	`EVAL "return struct.pack('!d b d', 1.5, 1, 2.5)" 0`,
	`EVAL "return struct.pack('!4 b i b l', 1, 2, 3, 4)" 0`,
	`EVAL "return struct.pack('c3 c0 s x f', 'abcdef', 'xy', 'z', 1.25)" 0`,
	`EVAL "return {struct.unpack('>i2 <I4 b B h H l L T', struct.pack('>i2 <I4 b B h H l L T', -2, 70000, -1, 255, -300, 65535, -5, 5, 9))}" 0`,
	`EVAL "return {struct.unpack('b c0 s', struct.pack('b c0 s', 3, 'abc', 'hi'))}" 0`,
	`EVAL "return {struct.unpack('>d <f', struct.pack('>d <f', 1.5, -2.25))}" 0`,
	`EVAL "return {struct.size('!4 b i l d c9 x'), struct.size('bhilTd'), struct.size('z')}" 0`,
	`EVAL "return {struct.unpack('i12', string.rep(string.char(255), 12))}" 0`,
	`EVAL "return {struct.unpack('I3 i3', string.rep(string.char(128), 6))}" 0`,
	`EVAL "return {struct.unpack('I', struct.pack('I', -1))}" 0`,
	`EVAL "return {struct.unpack('b', 'abc', 3)}" 0`,
	`EVAL "return struct.size('s')" 0`, `EVAL "return struct.size('c0')" 0`,
	`EVAL "return struct.pack('z', 1)" 0`, `EVAL "return struct.pack('c5', 'ab')" 0`,
	`EVAL "return struct.unpack('i4', 'ab')" 0`, `EVAL "return struct.pack('!3 b', 1)" 0`,
	`EVAL "return struct.unpack('s', 'abc')" 0`, `EVAL "return struct.unpack('b', 'a', 0)" 0`,
	`EVAL "return struct.pack('i33', 1)" 0`, `EVAL "return struct.unpack('c0', 'abc')" 0`,
	`EVAL "struct.pack = nil" 0`,
	// Conversions of command replies into Lua and back.
	`HSET h f v g w`, `ZADD z 1.5 m`,
	`EVAL "return redis.call('hgetall', 'h')" 0`, `EVAL "return redis.call('zscore', 'z', 'm')" 0`,
	`EVAL "redis.setresp(3) return redis.call('zscore', 'z', 'm')" 0`,
	`EVAL "redis.setresp(3) return {redis.call('exists', 'h') == 1, redis.call('get', 'nokey') == nil}" 0`,
	`EVAL "redis.setresp(3) return {double = 3.5}" 0`, `EVAL "return {double = 3.5}" 0`,
	`EVAL "redis.setresp(3) return true" 0`, `EVAL "redis.setresp(3) return false" 0`,
	`EVAL "return {big_number = '123456789012345678901234567890'}" 0`,
	`EVAL "return {verbatim_string = {format = 'txt', string = 'hello'}}" 0`,
}

// A map a script returns is read from a Lua table, whose order is the
// interpreter's own (C Lua's hash order, gopher-lua's insertion order):
// compared as a multiset.
var scriptUnorderedScript = []string{`EVAL "redis.setresp(3) return redis.call('hgetall', 'h')" 0`}

func TestScriptsAgreeWithRedis(t *testing.T) {
	forEachProtocol(t, Config{}, append(exact(scriptCompareScript...), unordered(scriptUnorderedScript...)...))
}
