#!/usr/bin/env python3
"""Generates engines/cache/commanddocs_table.go: the facts COMMAND INFO and
COMMAND DOCS report about each command (since, group, ACL categories, flags,
tips, key specs, argument grammar), read from a running redis-server 7.0 with
COMMAND INFO / COMMAND DOCS, plus a one-line summary written for this project
(SUMMARIES below; Redis's own summaries and complexity texts are not copied).
The subcommands of container commands (CLIENT, CONFIG, …) the project
implements get entries of their own, named "client|list", listed by their
parent's subcommands (SUBCOMMAND_SUMMARIES).

Usage: scripts/gen-cache-command-docs.py /path/to/redis.sock
A command missing from SUMMARIES is an error: write its summary first.
TestCommandDocsAgreeWithRedis checks the generated table against the server.
"""
import json
import subprocess
import sys

SUMMARIES = {
    # connection
    "auth": "Log the connection in as a user.",
    "client": "Inspect and control client connections.",
    "echo": "Return the given message.",
    "hello": "Choose the protocol version and name the connection.",
    "ping": "Check that the server answers.",
    "quit": "Ask the server to close the connection.",
    "reset": "Return the connection to its initial state.",
    "select": "Switch the connection to another database.",
    "asking": "Allow the next command on a slot being imported.",
    "readonly": "Allow reads from a replica in cluster mode.",
    "readwrite": "Stop reading from a replica in cluster mode.",
    # generic
    "copy": "Copy a key's value to another key.",
    "del": "Delete keys.",
    "exists": "Count how many of the given keys exist.",
    "expire": "Give a key a time to live in seconds.",
    "expireat": "Make a key expire at a Unix time in seconds.",
    "expiretime": "Tell the Unix time in seconds at which a key expires.",
    "keys": "List the keys matching a glob pattern.",
    "move": "Move a key to another database.",
    "object": "Inspect how a key's value is stored.",
    "persist": "Remove a key's time to live.",
    "pexpire": "Give a key a time to live in milliseconds.",
    "pexpireat": "Make a key expire at a Unix time in milliseconds.",
    "pexpiretime": "Tell the Unix time in milliseconds at which a key expires.",
    "pttl": "Tell a key's remaining time to live in milliseconds.",
    "randomkey": "Return a key picked at random.",
    "rename": "Give a key a new name.",
    "renamenx": "Give a key a new name unless that name is taken.",
    "scan": "Walk the keyspace with a cursor.",
    "touch": "Mark keys as accessed; count the ones that exist.",
    "ttl": "Tell a key's remaining time to live in seconds.",
    "type": "Tell the type of a key's value.",
    "unlink": "Delete keys, freeing their memory in the background.",
    "wait": "Wait until replicas acknowledge this connection's writes.",
    "psync": "Ask a master for its replication stream from an offset (replicas send it).",
    "replconf": "Tell a master about a replica's port, capabilities and applied offset.",
    "sync": "Ask a master for a full copy of its data, then its stream (the pre-2.8 form of PSYNC).",
    "role": "Tell whether this node is a master or a replica, and of whom.",
    "dump": "Serialize a key's value.",
    "restore": "Create a key from a serialized value.",
    "migrate": "Move keys to another server atomically.",
    "sort": "Sort a list, set or sorted set, optionally by other keys' values, and return or store the result.",
    "sort_ro": "Sort a list, set or sorted set without storing the result (SORT for read-only replicas).",
    # hash
    "hdel": "Remove fields from a hash.",
    "hexists": "Tell whether a hash has a field.",
    "hget": "Read one field of a hash.",
    "hgetall": "Read every field and value of a hash.",
    "hincrby": "Add an integer to a hash field.",
    "hincrbyfloat": "Add a floating-point number to a hash field.",
    "hkeys": "List the fields of a hash.",
    "hlen": "Count the fields of a hash.",
    "hmget": "Read several fields of a hash.",
    "hmset": "Set several hash fields (older form of HSET).",
    "hrandfield": "Return random fields of a hash.",
    "hscan": "Walk the fields of a hash with a cursor.",
    "hset": "Set hash fields, creating the hash if needed.",
    "hsetnx": "Set a hash field only if it does not exist.",
    "hstrlen": "Tell the length of a hash field's value.",
    "hvals": "List the values of a hash.",
    # hyperloglog
    "pfadd": "Add elements to a HyperLogLog, creating it if needed.",
    "pfcount": "Estimate the number of distinct elements added to HyperLogLogs.",
    "pfmerge": "Merge HyperLogLogs into a destination key.",
    "pfdebug": "Inspect a HyperLogLog's registers and encoding (internal).",
    "pfselftest": "Run the HyperLogLog implementation's self-checks (internal).",
    # list
    "blmove": "Move an element between lists, waiting for one if needed.",
    "blmpop": "Pop from the first non-empty list, waiting for one if needed.",
    "blpop": "Pop a list's first element, waiting for one if needed.",
    "brpop": "Pop a list's last element, waiting for one if needed.",
    "brpoplpush": "Move a list's last element to another list, waiting if needed.",
    "lindex": "Read a list element by position.",
    "linsert": "Insert an element before or after another in a list.",
    "llen": "Count the elements of a list.",
    "lmove": "Move an element from one end of a list to another list.",
    "lmpop": "Pop elements from the first non-empty list of several.",
    "lpop": "Remove and return the first elements of a list.",
    "lpos": "Find the positions of an element in a list.",
    "lpush": "Add elements to the head of a list.",
    "lpushx": "Add elements to the head of an existing list.",
    "lrange": "Read a range of list elements.",
    "lrem": "Remove occurrences of an element from a list.",
    "lset": "Replace a list element by position.",
    "ltrim": "Keep only a range of a list.",
    "rpop": "Remove and return the last elements of a list.",
    "rpoplpush": "Move a list's last element to the head of another list.",
    "rpush": "Add elements to the tail of a list.",
    "rpushx": "Add elements to the tail of an existing list.",
    # pubsub
    "psubscribe": "Listen for messages on channels matching patterns.",
    "publish": "Send a message to a channel.",
    "pubsub": "Inspect the Pub/Sub state.",
    "punsubscribe": "Stop listening on channel patterns.",
    "subscribe": "Listen for messages on channels.",
    "ssubscribe": "Listen for messages on shard channels.",
    "sunsubscribe": "Stop listening on shard channels.",
    "spublish": "Post a message to a shard channel.",
    "unsubscribe": "Stop listening on channels.",
    # server
    "monitor": "Stream every command the server runs to this connection.",
    "shutdown": "Save as configured, sync the AOF and stop the server.",
    "bgrewriteaof": "Rewrite the append-only file in the background.",
    "bgsave": "Save a snapshot to disk in the background.",
    "command": "Describe the commands this server knows.",
    "config": "Read and change the server's configuration.",
    "dbsize": "Count the keys of the selected database.",
    "debug": "Debugging helpers.",
    "flushall": "Delete every key of every database.",
    "flushdb": "Delete every key of the selected database.",
    "info": "Report the server's state and statistics.",
    "lastsave": "Tell when the last snapshot was saved.",
    "memory": "Report on memory use.",
    "slowlog": "Read or clear the log of slow commands.",
    "latency": "Read or clear the latency monitor's samples and histograms.",
    "replicaof": "Follow a master, or stop following one.",
    "save": "Save a snapshot to disk now.",
    "slaveof": "Follow a master, or stop following one (older name of REPLICAOF).",
    "swapdb": "Exchange the contents of two databases.",
    "time": "Return the server's clock.",
    "cluster": "Inspect and control the cluster.",
    # set
    "sadd": "Add members to a set.",
    "scard": "Count the members of a set.",
    "sdiff": "Return the members of a set not in the others.",
    "sdiffstore": "Store the difference of sets in a key.",
    "sinter": "Return the members common to sets.",
    "sintercard": "Count the members common to sets.",
    "sinterstore": "Store the intersection of sets in a key.",
    "sismember": "Tell whether a value is a member of a set.",
    "smembers": "Return every member of a set.",
    "smismember": "Tell which of several values are members of a set.",
    "smove": "Move a member from one set to another.",
    "spop": "Remove and return random members of a set.",
    "srandmember": "Return random members of a set.",
    "srem": "Remove members from a set.",
    "sscan": "Walk the members of a set with a cursor.",
    "sunion": "Return the members of any of the sets.",
    "sunionstore": "Store the union of sets in a key.",
    # sorted set
    "zadd": "Add members with scores to a sorted set, or update their scores.",
    "zcard": "Count the members of a sorted set.",
    "zcount": "Count the members with scores in a range.",
    "zdiff": "Return the members of a sorted set not in the others.",
    "zdiffstore": "Store the difference of sorted sets in a key.",
    "zincrby": "Add to a member's score.",
    "zinter": "Return the members common to sorted sets.",
    "zintercard": "Count the members common to sorted sets.",
    "zinterstore": "Store the intersection of sorted sets in a key.",
    "zlexcount": "Count the members in a lexicographical range.",
    "zmscore": "Read the scores of several members.",
    "zpopmax": "Remove and return the members with the highest scores.",
    "zpopmin": "Remove and return the members with the lowest scores.",
    "zrandmember": "Return random members of a sorted set.",
    "zrange": "Read members by rank, score or lexicographical range.",
    "zrangebylex": "Read members in a lexicographical range.",
    "zrangebyscore": "Read members with scores in a range.",
    "zrangestore": "Store a range of a sorted set in a key.",
    "zrank": "Tell a member's rank, lowest score first.",
    "zrem": "Remove members from a sorted set.",
    "zremrangebylex": "Remove the members in a lexicographical range.",
    "zremrangebyrank": "Remove the members in a range of ranks.",
    "zremrangebyscore": "Remove the members with scores in a range.",
    "zrevrange": "Read members by rank, highest score first.",
    "zrevrangebylex": "Read members in a lexicographical range, in reverse.",
    "zrevrangebyscore": "Read members with scores in a range, highest first.",
    "zrevrank": "Tell a member's rank, highest score first.",
    "zscan": "Walk the members of a sorted set with a cursor.",
    "zscore": "Read a member's score.",
    "zunion": "Return the members of any of the sorted sets.",
    "zunionstore": "Store the union of sorted sets in a key.",
    "zmpop": "Pop members from the first non-empty sorted set of several.",
    "bzmpop": "Pop from the first non-empty sorted set, waiting if needed.",
    "bzpopmin": "Pop the lowest-scored member, waiting for one if needed.",
    "bzpopmax": "Pop the highest-scored member, waiting for one if needed.",
    # string
    "append": "Append to a string value.",
    "decr": "Subtract one from an integer value.",
    "decrby": "Subtract an integer from an integer value.",
    "get": "Read a string value.",
    "getdel": "Read a string value and delete the key.",
    "getex": "Read a string value and change its time to live.",
    "getrange": "Read a substring of a string value.",
    "getset": "Set a string value and return the old one.",
    "incr": "Add one to an integer value.",
    "incrby": "Add an integer to an integer value.",
    "incrbyfloat": "Add a floating-point number to a value.",
    "mget": "Read several string values.",
    "mset": "Set several string values.",
    "msetnx": "Set several string values, only if none of the keys exists.",
    "psetex": "Set a string value with a time to live in milliseconds.",
    "set": "Set a string value, with options for expiry and conditions.",
    "setex": "Set a string value with a time to live in seconds.",
    "setnx": "Set a string value only if the key does not exist.",
    "setrange": "Overwrite part of a string value.",
    "setbit": "Set or clear one bit of a string value, growing it as needed.",
    "getbit": "Read one bit of a string value.",
    "bitcount": "Count the set bits of a string value, or of a range of it.",
    "bitpos": "Find the first set or clear bit of a string value.",
    "bitop": "Combine string values bit by bit with AND, OR, XOR or NOT.",
    "bitfield": "Read, set and add to integer fields of any width within a string value.",
    "bitfield_ro": "Read integer fields of any width within a string value.",
    "lcs": "Find the longest common subsequence of two string values.",
    "strlen": "Tell the length of a string value.",
    "substr": "Read a substring of a string value (older name of GETRANGE).",
    # geo
    "geoadd": "Add points, by longitude and latitude, to a geospatial index.",
    "geodist": "Tell the distance between two points of an index.",
    "geohash": "Return points' positions as geohash strings.",
    "geopos": "Return points' longitudes and latitudes.",
    "georadius": "Find the points within a radius of a position (older form of GEOSEARCH).",
    "georadius_ro": "Find the points within a radius of a position, without storing.",
    "georadiusbymember": "Find the points within a radius of a member (older form of GEOSEARCH).",
    "georadiusbymember_ro": "Find the points within a radius of a member, without storing.",
    "geosearch": "Find the points inside a circle or a box around a position or member.",
    "geosearchstore": "Find points as GEOSEARCH does and store them in a sorted set.",
    # scripting
    "eval": "Run a Lua script on the server, atomically.",
    "evalsha": "Run a cached Lua script, named by its SHA1.",
    "eval_ro": "Run a Lua script that only reads.",
    "evalsha_ro": "Run a cached Lua script that only reads.",
    "script": "Manage the cache of Lua scripts.",
    "fcall": "Call a function of a loaded library, atomically.",
    "fcall_ro": "Call a function that only reads.",
    "function": "Manage the libraries of Lua functions.",
    # stream
    "xadd": "Append an entry to a stream, creating it if needed.",
    "xrange": "Return a stream's entries between two IDs.",
    "xrevrange": "Return a stream's entries between two IDs, newest first.",
    "xlen": "Count a stream's entries.",
    "xdel": "Delete entries from a stream by ID.",
    "xtrim": "Drop a stream's oldest entries down to a length or an ID.",
    "xsetid": "Set a stream's last ID and counters.",
    "xread": "Read entries past given IDs from streams, waiting for some if asked.",
    "xreadgroup": "Read entries for a consumer of a group, recording them as pending.",
    "xgroup": "Manage the consumer groups of a stream.",
    "xack": "Acknowledge entries a consumer group delivered.",
    "xpending": "Inspect the entries a consumer group delivered and nobody acknowledged.",
    "xclaim": "Give pending entries of a group to another consumer.",
    "xautoclaim": "Give a group's long-pending entries to a consumer, walking the list.",
    "xinfo": "Inspect a stream, its groups and their consumers.",
    # transactions
    "discard": "Abandon the queued transaction.",
    "exec": "Run the queued transaction.",
    "multi": "Start queueing a transaction.",
    "unwatch": "Forget every watched key.",
    "watch": "Abort the next transaction if these keys change.",
}

# The subcommands of container commands this project implements, with its
# own summaries. A container's subcommands Redis has and these lack are
# left out of COMMAND's answers, as the project does not run them.
SUBCOMMAND_SUMMARIES = {
    "client|caching": "Choose whether the next command's keys are tracked (OPTIN/OPTOUT tracking).",
    "client|getname": "Return this connection's name.",
    "client|getredir": "Return the client invalidations are redirected to.",
    "client|help": "Describe the CLIENT subcommands.",
    "client|id": "Return this connection's id.",
    "client|info": "Describe this connection as CLIENT LIST does.",
    "client|kill": "Close the connections that match.",
    "client|list": "Describe the connections, one line each.",
    "client|no-evict": "Protect this connection from being closed to free memory.",
    "client|pause": "Hold the clients' commands, or their writes, for a while.",
    "client|reply": "Turn this connection's replies off, on, or off for one command.",
    "client|setname": "Name this connection.",
    "client|tracking": "Turn client-side caching invalidations on or off.",
    "client|trackinginfo": "Describe this connection's tracking mode.",
    "client|unblock": "Wake a client blocked in a blocking command.",
    "client|unpause": "End a CLIENT PAUSE early.",
    "cluster|addslots": "Serve the given hash slots from this node.",
    "cluster|addslotsrange": "Serve the given ranges of hash slots from this node.",
    "cluster|bumpepoch": "Give this node a new, highest configuration epoch.",
    "cluster|count-failure-reports": "Count the nodes that report a node as failing.",
    "cluster|countkeysinslot": "Count the keys in a hash slot.",
    "cluster|delslots": "Stop serving the given hash slots.",
    "cluster|delslotsrange": "Stop serving the given ranges of hash slots.",
    "cluster|failover": "Make this replica take over from its master.",
    "cluster|flushslots": "Stop serving every hash slot.",
    "cluster|forget": "Remove a node from this node's view of the cluster.",
    "cluster|getkeysinslot": "Return keys in a hash slot.",
    "cluster|help": "Describe the CLUSTER subcommands.",
    "cluster|info": "Report the state of the cluster.",
    "cluster|keyslot": "Return the hash slot of a key.",
    "cluster|meet": "Introduce another node to the cluster.",
    "cluster|myid": "Return this node's id.",
    "cluster|nodes": "Describe the nodes of the cluster, one line each.",
    "cluster|replicas": "List the replicas of a master.",
    "cluster|replicate": "Make this node a replica of another.",
    "cluster|reset": "Forget the cluster and return to an empty node.",
    "cluster|saveconfig": "Write the cluster configuration file now.",
    "cluster|set-config-epoch": "Set this new node's configuration epoch.",
    "cluster|setslot": "Change the state of a hash slot (migrating, importing, owner).",
    "cluster|shards": "Describe the cluster's shards and their nodes.",
    "cluster|slaves": "List the replicas of a master (old name of REPLICAS).",
    "cluster|slots": "Map the hash slot ranges to their nodes.",
    "command|count": "Return the number of commands.",
    "command|docs": "Return the documentation of commands.",
    "command|getkeys": "Return the keys a full command names.",
    "command|getkeysandflags": "Return the keys a full command names, with how each is accessed.",
    "command|help": "Describe the COMMAND subcommands.",
    "command|info": "Describe commands: arity, flags, keys, ACL categories.",
    "command|list": "Return the names of the commands, filtered if asked.",
    "config|get": "Return the parameters that match patterns, with their values.",
    "config|help": "Describe the CONFIG subcommands.",
    "config|resetstat": "Zero the statistics INFO reports.",
    "config|rewrite": "Write the running configuration back to its file.",
    "config|set": "Change parameters at run time.",
    "memory|doctor": "Report memory problems.",
    "memory|help": "Describe the MEMORY subcommands.",
    "memory|malloc-stats": "Report the allocator's statistics.",
    "memory|purge": "Return freed memory to the system.",
    "memory|stats": "Report how memory is used.",
    "memory|usage": "Estimate the memory a key and its value use.",
    "script|exists": "Tell which of the given SHA1s name cached scripts.",
    "script|flush": "Empty the script cache.",
    "script|help": "Describe the SCRIPT subcommands.",
    "script|kill": "Stop the script running (none ever is while this runs here).",
    "script|load": "Compile a script into the cache without running it.",
    "function|delete": "Unload a library and its functions.",
    "xgroup|create": "Create a consumer group on a stream.",
    "xgroup|createconsumer": "Add a consumer to a group.",
    "xgroup|delconsumer": "Remove a consumer and its pending entries.",
    "xgroup|destroy": "Remove a consumer group.",
    "xgroup|help": "Describe the XGROUP subcommands.",
    "xgroup|setid": "Set a group's last delivered ID.",
    "xinfo|consumers": "Describe the consumers of a group.",
    "xinfo|groups": "Describe the consumer groups of a stream.",
    "xinfo|help": "Describe the XINFO subcommands.",
    "xinfo|stream": "Describe a stream, in full if asked.",
    "function|dump": "Serialize every library into one payload.",
    "function|flush": "Unload every library.",
    "function|help": "Describe the FUNCTION subcommands.",
    "function|kill": "Stop the function running (none ever is while this runs here).",
    "function|list": "Describe the loaded libraries and their functions.",
    "function|load": "Load a library from its code, registering its functions.",
    "function|restore": "Load the libraries of a FUNCTION DUMP payload.",
    "function|stats": "Tell the function running and how many libraries and functions are loaded.",
    "slowlog|get": "Return the newest entries of the slow log.",
    "latency|doctor": "Report the latency samples in words.",
    "latency|help": "Describe the LATENCY subcommands.",
    "latency|histogram": "Return the latency distribution of commands.",
    "latency|history": "Return an event's latency samples, a second each.",
    "latency|latest": "Return the latest and highest sample of each event.",
    "latency|reset": "Forget the latency samples of events.",
    "slowlog|help": "Describe the SLOWLOG subcommands.",
    "slowlog|len": "Count the entries of the slow log.",
    "slowlog|reset": "Empty the slow log.",
    "object|encoding": "Tell how a key's value is stored.",
    "object|freq": "Return a key's access frequency counter.",
    "object|help": "Describe the OBJECT subcommands.",
    "object|idletime": "Return the seconds since a key was last accessed.",
    "object|refcount": "Return the number of references to a key's value.",
    "pubsub|channels": "List the channels that have subscribers.",
    "pubsub|help": "Describe the PUBSUB subcommands.",
    "pubsub|numpat": "Count the patterns clients subscribe to.",
    "pubsub|numsub": "Count each channel's subscribers.",
    "pubsub|shardchannels": "List the shard channels that have subscribers.",
    "pubsub|shardnumsub": "Count each shard channel's subscribers.",
}

# COMMAND INFO and DOCS fields kept, in Redis's order.
ARG_FIELDS = ("name", "type", "key_spec_index", "token", "since", "deprecated_since", "flags", "arguments")


def redis(sock, *args):
    out = subprocess.run(["redis-cli", "-s", sock, "--json", *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def go_string(s):
    return json.dumps(s)


def go_strings(items):
    return "[]string{" + ", ".join(go_string(i) for i in items) + "}"


def go_args(args, indent):
    pad = "\t" * indent
    lines = ["[]docArg{"]
    for a in args:
        unknown = set(a) - set(ARG_FIELDS) - {"summary", "display_text"}
        if unknown:
            sys.exit(f"unknown argument fields {unknown}")
        parts = [f"name: {go_string(a['name'])}", f"typ: {go_string(a['type'])}"]
        if "key_spec_index" in a:
            parts.append(f"keySpecIndex: {a['key_spec_index']}")
            if a["type"] != "key":
                parts.append("namesKeys: true")  # SORT's BY and GET patterns
        elif a["type"] == "key":
            sys.exit(f"key argument {a['name']} without key_spec_index")
        if "token" in a:
            parts.append(f"token: {go_string(a['token'])}")
        if "since" in a:
            parts.append(f"since: {go_string(a['since'])}")
        if "deprecated_since" in a:
            parts.append(f"deprecatedSince: {go_string(a['deprecated_since'])}")
        if "flags" in a:
            parts.append(f"flags: {go_strings(a['flags'])}")
        if "arguments" in a:
            parts.append("args: " + go_args(a["arguments"], indent + 1))
        lines.append(f"{pad}\t{{{', '.join(parts)}}},")
    lines.append(pad + "}")
    return "\n".join(lines)


def go_key_specs(specs):
    out = []
    for s in specs:
        bs, fk = s["begin_search"], s["find_keys"]
        parts = [f"flags: {go_strings(s['flags'])}"]
        if bs["type"] == "unknown" and fk["type"] == "unknown":
            out.append("{" + ", ".join(parts + ["unknown: true"]) + "}")
            continue
        if bs["type"] == "index":
            parts.append(f"beginIndex: {bs['spec']['index']}")
        elif bs["type"] == "keyword":
            parts.append(f"beginKeyword: {go_string(bs['spec']['keyword'])}, startFrom: {bs['spec']['startfrom']}")
        else:
            sys.exit(f"begin_search type {bs['type']} not supported")
        if fk["type"] == "range":
            sp = fk["spec"]
            parts.append(f"lastKey: {sp['lastkey']}, keyStep: {sp['keystep']}, limit: {sp['limit']}")
        elif fk["type"] == "keynum":
            sp = fk["spec"]
            parts.append(f"keynum: true, keynumIndex: {sp['keynumidx']}, firstKey: {sp['firstkey']}, keyStep: {sp['keystep']}")
        else:
            sys.exit(f"find_keys type {fk['type']} not supported")
        out.append("{" + ", ".join(parts) + "}")
    return "[]keySpec{" + ", ".join(out) + "}"


def main():
    sock = sys.argv[1]
    names = sorted(SUMMARIES)
    docs = redis(sock, "command", "docs", *names)
    infos = redis(sock, "command", "info", *names)
    print("// Code generated by scripts/gen-cache-command-docs.py from redis-server 7.0's")
    print("// COMMAND INFO and COMMAND DOCS (facts only; the summaries are this project's")
    print("// own words). DO NOT EDIT.")
    print()
    print("package cache")
    print()
    print("var commandDocTable = map[string]*commandDoc{")
    entries = []  # (name, info, docs, summary, subcommand names)
    found = set()
    for name, info in zip(names, infos):
        if info is None or name not in docs:
            sys.exit(f"redis-server does not know {name}")
        d = docs[name]
        subnames = []
        for subinfo in info[9] or []:
            full = subinfo[0]
            if full in SUBCOMMAND_SUMMARIES:
                subnames.append(full)
                found.add(full)
                entries.append((full, subinfo, d["subcommands"][full], SUBCOMMAND_SUMMARIES[full], []))
        entries.append((name, info, d, SUMMARIES[name], sorted(subnames)))
    missing = set(SUBCOMMAND_SUMMARIES) - found
    if missing:
        sys.exit(f"redis-server does not know the subcommands {sorted(missing)}")
    for name, info, d, summary, subnames in sorted(entries):
        _, arity, flags, first, last, step, acl, tips, specs, _subcommands = info
        print(f"\t{go_string(name)}: {{")
        print(f"\t\tsummary: {go_string(summary)}, since: {go_string(d['since'])}, group: {go_string(d['group'])},")
        print(f"\t\tarity: {arity}, flags: {go_strings(flags)}, firstKey: {first}, lastKey: {last}, keyStep: {step},")
        print(f"\t\tacl: {go_strings(acl)},")
        if tips:
            print(f"\t\ttips: {go_strings(tips)},")
        if specs:
            print(f"\t\tkeySpecs: {go_key_specs(specs)},")
        if d.get("arguments"):
            print(f"\t\targs: {go_args(d['arguments'], 2)},")
        if subnames:
            print(f"\t\tsubcommands: {go_strings(subnames)},")
        print("\t},")
    print("}")


if __name__ == "__main__":
    main()
