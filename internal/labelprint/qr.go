package labelprint

import (
	"context"
	"runtime"
	"strconv"

	"github.com/agritrace/agritrace/internal/label"
)

// pixelsPerModule makes each QR module a block of pixels, so a printer
// driver that smooths an enlarged image still prints sharp module edges.
const pixelsPerModule = 4

// ahead bounds the QR images drawn before the layout needs them, and so the
// memory a run holds besides the document, whatever the number of labels.
const ahead = 64

// qrImages are the QR codes of a document's labels as PNG images, drawn in
// the background by a worker per core, ahead of the layout: encoding a QR
// code costs more than laying out its label. Images come out in label order
// whatever order the workers finish in, so a document is the same bytes
// every time.
type qrImages struct {
	slots  [ahead]chan qrImage // label i's image is in slot i % ahead
	tokens chan struct{}
}

type qrImage struct {
	png []byte
	err error
}

// drawQRs starts drawing the QR codes of labels until ctx ends, through
// cache (which may be nil).
func drawQRs(ctx context.Context, labels []Label, cache *label.Cache) *qrImages {
	q := &qrImages{tokens: make(chan struct{}, ahead)}
	for i := range q.slots {
		q.slots[i] = make(chan qrImage, 1)
	}
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for i := range labels {
			// A token frees slot i % ahead: label i-ahead was taken.
			select {
			case q.tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			jobs <- i
		}
	}()
	// The layout takes little CPU beside the drawing, so every core draws.
	for range runtime.GOMAXPROCS(0) {
		go func() {
			for i := range jobs {
				url := labels[i].URL
				b, err := cache.Get("print "+strconv.Itoa(pixelsPerModule)+" "+url, func() ([]byte, error) { return draw(url) })
				q.slots[i%ahead] <- qrImage{b, err}
			}
		}()
	}
	return q
}

// next waits for the image of label i; labels are taken in order.
func (q *qrImages) next(ctx context.Context, i int) ([]byte, error) {
	select {
	case img := <-q.slots[i%ahead]:
		<-q.tokens
		return img.png, img.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// draw renders the QR code of url as a PNG with its quiet zone.
func draw(url string) ([]byte, error) {
	c, err := label.Encode(url)
	if err != nil {
		return nil, err
	}
	side := (c.Size + 2*label.QuietZone) * pixelsPerModule
	return c.PNG(pixelsPerModule, side, label.QuietZone*pixelsPerModule), nil
}
