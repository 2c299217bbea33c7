package cache

import "testing"

// listsCompareScript exercises every list command's replies and errors.
// Blocking commands appear only where they answer at once (data present,
// bad arguments, wrong type); waiting is tested in blocking_test.go.
var listsCompareScript = []string{
	"LPUSH l a b c", "RPUSH l d e", "LRANGE l 0 -1", "LLEN l", "LLEN nokey",
	"LPUSHX nokey a", "RPUSHX nokey a", "LPUSHX l x", "RPUSHX l y", "LRANGE l 0 -1",
	"LRANGE l -3 -1", "LRANGE l 5 2", "LRANGE l -100 100", "LRANGE l 100 200", "LRANGE l x 1", "LRANGE nokey 0 -1",
	"LINDEX l 0", "LINDEX l -1", "LINDEX l 100", "LINDEX l x", "LINDEX nokey x", "LINDEX nokey 0",
	"LSET l 0 z", "LSET l -1 w", "LSET l 100 v", "LSET nokey 0 v", "LSET l x v", "LRANGE l 0 -1",
	"LINSERT l BEFORE z q", "LINSERT l after w r", "LINSERT l before nothere x", "LINSERT l middle z x", "LINSERT nokey before a x",
	"LRANGE l 0 -1",
	"DEL l", "RPUSH l a b a c a b a", "LREM l 2 a", "LRANGE l 0 -1", "LREM l -1 a", "LRANGE l 0 -1", "LREM l 0 b", "LRANGE l 0 -1",
	"LREM l x a", "LREM nokey 0 a", "LREM l 0 c", "LREM l 0 a", "EXISTS l",
	"RPUSH l 1 2 3 4 5 6 7", "LTRIM l 1 -2", "LRANGE l 0 -1", "LTRIM l x 1", "LTRIM nokey 0 1", "LTRIM l 5 1", "EXISTS l",
	"RPUSH l a b c a b c a", "LPOS l a", "LPOS l a RANK 2", "LPOS l a RANK -1", "LPOS l a RANK -2", "LPOS l a COUNT 0",
	"LPOS l a COUNT 2", "LPOS l a RANK 2 COUNT 0", "LPOS l a RANK -1 COUNT 2", "LPOS l a MAXLEN 1", "LPOS l a MAXLEN 3 COUNT 0",
	"LPOS l c MAXLEN 2", "LPOS l zz", "LPOS l zz COUNT 0", "LPOS l a RANK 0", "LPOS l a COUNT -1", "LPOS l a MAXLEN -1",
	"LPOS l a RANK", "LPOS l a FOO 1", "LPOS l a RANK x", "LPOS nokey a", "LPOS nokey a COUNT 1", "LPOS l a RANK 9",
	"LPOS l a rank -9223372036854775808",
	"LPOP l", "RPOP l", "LPOP l 2", "RPOP l 0", "LPOP l -1", "LPOP l x", "LPOP l 1 2", "LPOP nokey", "LPOP nokey 2", "LPOP nokey 0",
	"RPOP l 100", "EXISTS l",
	"RPUSH src a b c", "LMOVE src dst LEFT RIGHT", "LMOVE src dst RIGHT LEFT", "LRANGE dst 0 -1", "LMOVE src src LEFT RIGHT",
	"LMOVE src dst up down", "LMOVE nokey dst LEFT LEFT", "RPOPLPUSH src dst", "LRANGE dst 0 -1", "EXISTS src", "RPOPLPUSH nokey dst",
	"SET str v", "LMOVE dst str LEFT LEFT", "LMOVE str dst LEFT LEFT", "RPOPLPUSH dst str", "LRANGE dst 0 -1",
	"RPUSH m1 a b c", "RPUSH m2 d", "LMPOP 2 nokey m1 LEFT", "LMPOP 2 nokey m1 RIGHT COUNT 5", "LMPOP 1 nokey LEFT",
	"LMPOP 0 m2 LEFT", "LMPOP -1 m2 LEFT", "LMPOP x m2 LEFT", "LMPOP 2 m2 LEFT", "LMPOP 1 m2 UP", "LMPOP 1 m2 LEFT COUNT 0",
	"LMPOP 1 m2 LEFT COUNT 1 COUNT 2", "LMPOP 1 m2 LEFT FOO", "LMPOP 1 m2 LEFT COUNT", "LMPOP 2 str m2 LEFT", "LMPOP 2 m2 str LEFT",
	"LMPOP 1 m2 LEFT",
	"RPUSH b1 x y", "BLPOP nokey b1 0", "BRPOP b1 1.5", "EXISTS b1", "BLPOP b1 -1", "BLPOP b1 abc", "BLPOP b1 inf", "BLPOP b1 nan",
	"BLPOP b1 1e400", "BLPOP b1 ' 1'", "BLPOP str 0", "BRPOP nokey str 0",
	"RPUSH b2 x y z", "BLMOVE b2 bd LEFT RIGHT 0", "BLMOVE b2 bd foo RIGHT 0", "BLMOVE b2 bd LEFT RIGHT -1", "BRPOPLPUSH b2 bd 0x10",
	"LRANGE bd 0 -1", "BLMOVE b2 str LEFT LEFT 0", "BRPOPLPUSH str bd 0",
	"BLMPOP 0 2 nokey b2 RIGHT COUNT 3", "BLMPOP -1 1 b2 LEFT", "BLMPOP 0 0 b2 LEFT", "BLMPOP 0 1 str LEFT", "BLMPOP x 1 b2 LEFT",
	"LPUSH str a", "RPUSH str a", "LRANGE str 0 -1", "LLEN str", "LINDEX str 0", "LSET str 0 a", "LINSERT str BEFORE a b",
	"LREM str 0 a", "LTRIM str 0 1", "LPOS str a", "LPOP str", "RPOP str 1",
	"LPUSH l", "LRANGE l 0", "LLEN", "LSET l 0", "LINSERT l before a", "BLPOP l", "BLMOVE a b LEFT RIGHT", "LMPOP 1 l", "BLMPOP 0 1 l",
	"RPUSH t a", "TYPE t", "OBJECT ENCODING t",
}

// Every reply must be the same bytes in RESP2 and RESP3; a command the
// node blocks on where Redis answers fails the test.
func TestListsMatchRealRedis(t *testing.T) {
	forEachProtocol(t, Config{}, exact(listsCompareScript...))
}
