package label

import (
	"container/list"
	"strconv"
	"sync"
)

// Cache keeps rendered label images, bounded in bytes, dropping the least
// recently used first. An image is a pure function of its key, so keys must
// name everything that changes the picture: the Digital Link itself (base
// URL, GTIN, lot, serial, key id and signature: a unit signed again, by a
// rotated key or for another domain, is another key) and the format and
// size drawn. A nil *Cache keeps nothing.
type Cache struct {
	mu    sync.Mutex
	max   int
	used  int
	order list.List // of *cached, most recently used first
	items map[string]*list.Element
}

type cached struct {
	key  string
	data []byte
}

// entryOverhead approximates what an entry costs besides key and image: the
// list element, the map slot and the slice headers.
const entryOverhead = 128

// NewCache returns a cache holding up to maxBytes of keys and images.
func NewCache(maxBytes int) *Cache {
	return &Cache{max: maxBytes, items: map[string]*list.Element{}}
}

// Get returns the image cached under key, or renders it and keeps it. Two
// callers missing the same key at once both render it; the images are equal.
func (c *Cache) Get(key string, render func() ([]byte, error)) ([]byte, error) {
	if c == nil {
		return render()
	}
	c.mu.Lock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		data := e.Value.(*cached).data
		c.mu.Unlock()
		return data, nil
	}
	c.mu.Unlock()
	data, err := render()
	if err != nil {
		return nil, err
	}
	c.put(key, data)
	return data, nil
}

func (c *Cache) put(key string, data []byte) {
	size := len(key) + len(data) + entryOverhead
	if size > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[key]; ok {
		return
	}
	c.items[key] = c.order.PushFront(&cached{key, data})
	c.used += size
	for c.used > c.max {
		last := c.order.Back()
		old := c.order.Remove(last).(*cached)
		delete(c.items, old.key)
		c.used -= len(old.key) + len(old.data) + entryOverhead
	}
}

// Len returns the number of images cached and the bytes they are counted as.
func (c *Cache) Len() (images, bytes int) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items), c.used
}

// PNG is the package's PNG, cached under the content and size. The image
// is shared: callers must not change it.
func (c *Cache) PNG(content string, size int) ([]byte, error) {
	return c.Get("png "+strconv.Itoa(size)+" "+content, func() ([]byte, error) { return PNG(content, size) })
}

// SVG is the package's SVG, cached under the content; shared like PNG's.
func (c *Cache) SVG(content string) ([]byte, error) {
	return c.Get("svg "+content, func() ([]byte, error) { return SVG(content) })
}
