package cache

import (
	"strconv"
	"strings"
	"testing"
)

// words returns "prefix0 prefix1 … prefix(n-1)" joined by spaces.
func words(prefix string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = prefix + strconv.Itoa(i)
	}
	return strings.Join(parts, " ")
}

func TestSetsAgainstRealRedis(t *testing.T) {
	var steps []compareStep
	steps = append(steps, exact(
		"SADD s 3 1 2 2", "SADD s 3", "SMEMBERS s", "OBJECT ENCODING s", "SCARD s",
		"SISMEMBER s 1", "SISMEMBER s 01", "SISMEMBER s x", "SMISMEMBER s 1 9 2", "SMISMEMBER nokey a",
		"SADD s -5 9223372036854775807 -9223372036854775808", "SMEMBERS s", "OBJECT ENCODING s",
		"SADD s 01", "OBJECT ENCODING s", "SREM s 01", "OBJECT ENCODING s", // no way back to intset
		"SREM s nothere", "SREM nokey a", "SREM s 1 2 3 -5 9223372036854775807 -9223372036854775808", "EXISTS s",
		"SMEMBERS nokey", "SCARD nokey", "SISMEMBER nokey a",
		"SET str v", "SADD str a", "SREM str a", "SMEMBERS str", "SCARD str", "SISMEMBER str a", "SMISMEMBER str a",
		"SPOP str", "SRANDMEMBER str", "SINTER str", "SUNION nokey str", "SINTERSTORE d str", "SINTERCARD 1 str", "SMOVE str d a", "SSCAN str 0",
		"SADD", "SADD s", "SMEMBERS", "SISMEMBER s", "SPOP", "SMOVE a b", "SINTERCARD 1", "SSCAN s",
		"SADD i "+words("", 512), "OBJECT ENCODING i", "SADD i 512", "OBJECT ENCODING i", "SCARD i",
		"SADD j 1 2 3", "SADD k 2 3 4", "SINTER i j k", "SINTER j nokey", "SUNION j k", "SDIFF j k", "SDIFF k j i", "SDIFF nokey j",
		"SINTERSTORE dst j k", "SMEMBERS dst", "OBJECT ENCODING dst", "SUNIONSTORE dst j k", "SMEMBERS dst",
		"SDIFFSTORE dst j j", "EXISTS dst", "SDIFFSTORE dst j j", "SET dst x", "SUNIONSTORE dst j", "SMEMBERS dst",
		"SINTERCARD 2 j k", "SINTERCARD 1 i LIMIT 10", "SINTERCARD 1 i LIMIT 0", "SINTERCARD 2 j nokey",
		"SINTERCARD 0 j", "SINTERCARD x j", "SINTERCARD 3 j k", "SINTERCARD 1 j LIMIT -1", "SINTERCARD 1 j LIMIT x",
		"SINTERCARD 1 j LIMIT", "SINTERCARD 1 j FOO 1", "SINTERCARD 1 j LIMIT 1 LIMIT 2",
		"SMOVE j k 1", "SMEMBERS j", "SMEMBERS k", "SMOVE j k nothere", "SMOVE nokey k 1", "SMOVE j j 2", "SMOVE j j 9",
		"SMOVE j str 2", "SMOVE j fresh 2", "SMOVE j fresh 3", "EXISTS j", "SMEMBERS fresh",
		"SPOP s 0", "SPOP nokey 3", "SPOP nokey", "SPOP j -1", "SPOP j x", "SPOP j 1 2",
		"SRANDMEMBER nokey", "SRANDMEMBER nokey 5", "SRANDMEMBER k 0", "SRANDMEMBER k 100", "SRANDMEMBER k x", "SRANDMEMBER k 1 2",
		"SRANDMEMBER k -9223372036854775808", "SPOP k 100", "EXISTS k",
		"SADD sc a b c 1 2 3", "SSCAN sc 0 MATCH", "SSCAN sc 0 COUNT 0", "SSCAN sc 0 COUNT x", "SSCAN sc 0 TYPE set",
		"SSCAN sc abc", "SSCAN nokey 0 COUNT 0", "SSCAN sc ' 1'",
		"SADD si 5 3 1", "SSCAN si 0", "SSCAN si 123 MATCH [1-3]", "SSCAN si 0 MATCH *", "SADD e ''", "SSCAN e 0 MATCH **", "SSCAN e 0 MATCH *",
	)...)
	steps = append(steps, unordered(
		"SMEMBERS i", "SMEMBERS sc", "SSCAN sc 0 COUNT 1000", "SSCAN sc 0 COUNT 1000 MATCH [a-b]", "SUNION sc si",
		"SINTER sc sc", "SDIFF sc si", "SSCAN i 0 COUNT 10000 MATCH 1?",
	)...)
	steps = append(steps, shapeOnly(
		"SRANDMEMBER sc", "SRANDMEMBER sc 3", "SRANDMEMBER sc -10", "SRANDMEMBER i 5", "SRANDMEMBER i 400", "SPOP sc", "SPOP sc 2",
		"SSCAN sc -1 COUNT 1000", "SPOP sc 10",
	)...)
	steps = append(steps, exact("EXISTS sc")...)
	forEachProtocol(t, Config{}, steps)
}

func TestHashesAgainstRealRedis(t *testing.T) {
	long := strings.Repeat("v", 65)
	var steps []compareStep
	steps = append(steps, exact(
		"HSET h f1 v1 f2 v2", "HSET h f1 x f3 v3", "HGETALL h", "OBJECT ENCODING h", "HKEYS h", "HVALS h", "HLEN h",
		"HGET h f1", "HGET h nope", "HGET nokey f", "HMGET h f1 nope f3", "HMGET nokey a b", "HEXISTS h f2", "HEXISTS h nope",
		"HSTRLEN h f1", "HSTRLEN h nope", "HSTRLEN nokey f", "HSETNX h f1 y", "HSETNX h f4 v4", "HGETALL h",
		"HMSET h f5 v5", "HMSET h f5", "HSET h f5", "HSET h", "HSET h a b c", "HDEL h f2 f9", "HGETALL h",
		"HDEL nokey f", "HDEL h f1 f3 f4 f5", "EXISTS h", "HGETALL nokey", "HKEYS nokey", "HLEN nokey",
		"SET str v", "HSET str a b", "HGET str a", "HGETALL str", "HDEL str a", "HINCRBY str a 1", "HINCRBYFLOAT str a 1",
		"HRANDFIELD str", "HSCAN str 0", "HSETNX str a b", "HMGET str a",
		"HSET big "+words("f", 128), "OBJECT ENCODING big",
		"HSET wide f "+long, "OBJECT ENCODING wide", "HSET wide2 "+long+" v", "OBJECT ENCODING wide2",
		"HSET n i 10 f 1.5 s abc", "HINCRBY n i 5", "HINCRBY n i -20", "HINCRBY n new 7", "HINCRBY n f 1", "HINCRBY n s 1",
		"HINCRBY n i x", "HINCRBY n i 9223372036854775807", "HINCRBY n i -9223372036854775808", "HINCRBY fresh i 3", "HGETALL fresh",
		"HSET n big 9223372036854775807", "HINCRBY n big 1", "HSET n i 01", "HINCRBY n i 1",
		"HINCRBYFLOAT n f 0.1", "HINCRBYFLOAT n f 0.2", "HINCRBYFLOAT n x 0.1", "HINCRBYFLOAT n x 0.2",
		"HINCRBYFLOAT n g 5.0e3", "HINCRBYFLOAT n g -5000", "HINCRBYFLOAT n g 1e-5", "HINCRBYFLOAT n h 10.5",
		"HINCRBYFLOAT n h abc", "HINCRBYFLOAT n s 1", "HINCRBYFLOAT n h inf", "HINCRBYFLOAT n h nan",
		"HINCRBYFLOAT n h ' 1'", "HINCRBYFLOAT n h 1e400", "HINCRBYFLOAT n h 0x10", "HINCRBYFLOAT n h +3", "HINCRBYFLOAT n h .5",
		"HINCRBYFLOAT n i 1.5", "HINCRBYFLOAT n big 1", "HINCRBYFLOAT n h 1.7976931348623157e308", "HINCRBYFLOAT n h 1.7976931348623157e308",
		"HINCRBYFLOAT n m 3.0", "HGET n m", "HINCRBYFLOAT n m -3", "HGET n m", "HINCRBYFLOAT n p 1e20", "HINCRBYFLOAT n q 1.23456789012345678901",
		"HRANDFIELD nokey", "HRANDFIELD nokey 3", "HRANDFIELD nokey 3 WITHVALUES", "HRANDFIELD n 0", "HRANDFIELD n x",
		"HRANDFIELD n 1 foo", "HRANDFIELD n x foo", "HRANDFIELD n 1 WITHVALUES x", "HRANDFIELD n -9223372036854775808",
		"HSET small a 1 b 2 c 3", "HRANDFIELD small 3", "HRANDFIELD small 10 WITHVALUES", "HRANDFIELD small 0 withvalues",
		"HSCAN small 0", "HSCAN small 0 MATCH [ab]", "HSCAN nokey 0", "HSCAN small x", "HSCAN small 0 COUNT 0", "HSCAN small 0 NOVALUES",
	)...)
	steps = append(steps, unordered("HKEYS big", "HVALS big", "HSCAN big 0 COUNT 1000 MATCH f1*")...)
	steps = append(steps, shapeOnly(
		"HRANDFIELD big", "HRANDFIELD big 5", "HRANDFIELD big -5", "HRANDFIELD big 100 WITHVALUES", "HRANDFIELD big -3 WITHVALUES",
		"HRANDFIELD small -5 WITHVALUES", "HRANDFIELD small 2",
	)...)
	forEachProtocol(t, Config{}, steps)
}
