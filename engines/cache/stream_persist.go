package cache

import (
	"fmt"

	"syslab/engines/cache/persist"
)

// Streams in snapshots, AOF bases and DUMP payloads: the stream as
// persist.StreamValue, and back (persist/stream.go has the formats).

func (s *streamObject) writeValue(w persist.ValueWriter, key []byte, expireAtMillis int64) {
	w.WriteStream(key, s.persisted(), expireAtMillis)
}

func persistedID(id streamID) persist.StreamID { return persist.StreamID{Ms: id.ms, Seq: id.seq} }
func loadedID(id persist.StreamID) streamID    { return streamID{id.Ms, id.Seq} }

// persisted is the stream as persist writes it. Its slices share the
// stream's bytes: the writer copies what it keeps.
func (s *streamObject) persisted() *persist.StreamValue {
	v := &persist.StreamValue{LastID: persistedID(s.lastID), FirstID: persistedID(s.firstID),
		MaxDeletedID: persistedID(s.maxDeletedID), EntriesAdded: s.entriesAdded}
	v.Entries = make([]persist.StreamEntry, 0, s.length)
	s.rangeEntries(streamIDMin, streamIDMax, false, func(e *streamEntry) bool {
		v.Entries = append(v.Entries, persist.StreamEntry{ID: persistedID(e.id), Fields: e.fields})
		return true
	})
	for _, g := range s.groups {
		pg := persist.StreamGroup{Name: []byte(g.name), LastID: persistedID(g.lastID), EntriesRead: g.entriesRead}
		for _, p := range g.pending {
			pg.Pending = append(pg.Pending, persist.StreamPending{ID: persistedID(p.id), DeliveryTimeMillis: p.deliveryTimeMillis,
				DeliveryCount: p.deliveryCount, Consumer: []byte(p.consumer.name)})
		}
		for _, c := range g.consumers {
			pc := persist.StreamConsumer{Name: []byte(c.name), SeenTimeMillis: c.seenTimeMillis}
			for _, p := range c.pending {
				pc.Pending = append(pc.Pending, persistedID(p.id))
			}
			pg.Consumers = append(pg.Consumers, pc)
		}
		v.Groups = append(v.Groups, pg)
	}
	return v
}

// streamFromPersisted builds a stream from a loaded value, splitting its
// entries into nodes by limits. It refuses what a stream cannot hold:
// entries out of order, a pending entry owned by no consumer or by two.
func streamFromPersisted(v *persist.StreamValue, limits nodeLimits) (*streamObject, error) {
	s := newStream()
	for i, e := range v.Entries {
		id := loadedID(e.ID)
		if i > 0 && !loadedID(v.Entries[i-1].ID).less(id) {
			return nil, fmt.Errorf("stream entry %s is not after %s", id, loadedID(v.Entries[i-1].ID))
		}
		if len(e.Fields) == 0 || len(e.Fields)%2 != 0 {
			return nil, fmt.Errorf("stream entry %s has %d fields and values", id, len(e.Fields))
		}
		s.append(id, e.Fields, limits)
	}
	s.lastID, s.maxDeletedID, s.entriesAdded = loadedID(v.LastID), loadedID(v.MaxDeletedID), v.EntriesAdded
	s.refreshFirstID()
	if s.length > 0 {
		if last, _ := s.last(); s.lastID.less(last.id) {
			return nil, fmt.Errorf("stream's last ID %s is before its entry %s", s.lastID, last.id)
		}
	}
	for _, pg := range v.Groups {
		g := &streamGroup{name: string(pg.Name), lastID: loadedID(pg.LastID), entriesRead: pg.EntriesRead}
		owners := make(map[streamID]string, len(pg.Pending))
		for i, pp := range pg.Pending {
			id := loadedID(pp.ID)
			if i > 0 && !loadedID(pg.Pending[i-1].ID).less(id) {
				return nil, fmt.Errorf("group %q: pending entry %s out of order", pg.Name, id)
			}
			g.pending = append(g.pending, &pendingEntry{id: id, deliveryTimeMillis: pp.DeliveryTimeMillis, deliveryCount: pp.DeliveryCount})
			owners[id] = string(pp.Consumer)
		}
		for _, pc := range pg.Consumers {
			if g.consumer(pc.Name) != nil {
				return nil, fmt.Errorf("group %q: consumer %q twice", pg.Name, pc.Name)
			}
			c := g.createConsumer(pc.Name, pc.SeenTimeMillis)
			for _, pid := range pc.Pending {
				id := loadedID(pid)
				p := g.findPending(id)
				if p == nil || p.consumer != nil || owners[id] != c.name {
					return nil, fmt.Errorf("group %q: consumer %q's pending entry %s is not the group's", pg.Name, pc.Name, id)
				}
				p.consumer = c
				c.pending = pelInsert(c.pending, p)
			}
		}
		for _, p := range g.pending {
			if p.consumer == nil {
				return nil, fmt.Errorf("group %q: pending entry %s has no consumer", pg.Name, p.id)
			}
		}
		if !s.addGroup(g) {
			return nil, fmt.Errorf("group %q twice", pg.Name)
		}
	}
	return s, nil
}

// Stream loads a stream a snapshot holds (persist.StreamLoader).
func (l *rdbLoader) Stream(k persist.RDBKey, v *persist.StreamValue) error {
	s, err := streamFromPersisted(v, streamNodeLimits(&l.node.cfg.limits))
	if err != nil {
		return err
	}
	return l.store(k, s)
}

// Stream takes a stream a DUMP payload holds (persist.StreamLoader).
func (h *dumpValueLoader) Stream(_ persist.RDBKey, v *persist.StreamValue) error {
	s, err := streamFromPersisted(v, streamNodeLimits(&h.node.cfg.limits))
	if err != nil {
		return err
	}
	h.value = s
	return nil
}

func streamNodeLimits(l *encodingLimits) nodeLimits {
	return nodeLimits{entries: l.streamNodeEntries, bytes: l.streamNodeBytes}
}
