package labelprint

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"runtime"

	"github.com/agritrace/agritrace/internal/label"
)

// pixelsPerModule makes each QR module a block of pixels, so a printer
// driver that smooths an enlarged image still prints sharp module edges.
const pixelsPerModule = 4

// ahead bounds the QR images drawn before the layout needs them, and so the
// memory a run holds besides the document.
const ahead = 64

// qrImages are the QR codes of a document's labels as PNG images, drawn in
// the background, in parallel, ahead of the layout: encoding a QR code (eight
// masks tried and scored) costs more than laying out its label.
type qrImages struct {
	slots  []chan qrImage
	tokens chan struct{}
}

type qrImage struct {
	png []byte
	err error
}

// drawQRs starts drawing the QR codes of labels until ctx ends.
func drawQRs(ctx context.Context, labels []Label) *qrImages {
	q := &qrImages{slots: make([]chan qrImage, len(labels)), tokens: make(chan struct{}, ahead)}
	for i := range q.slots {
		q.slots[i] = make(chan qrImage, 1)
	}
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for i := range labels {
			select {
			case q.tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			jobs <- i
		}
	}()
	// The layout takes a core of its own; with one core, both share it.
	for range max(1, runtime.GOMAXPROCS(0)-1) {
		go func() {
			var d drawer
			for i := range jobs {
				b, err := d.draw(labels[i].URL)
				q.slots[i] <- qrImage{b, err}
			}
		}()
	}
	return q
}

// next waits for the image of label i; labels are taken in order.
func (q *qrImages) next(ctx context.Context, i int) ([]byte, error) {
	select {
	case img := <-q.slots[i]:
		<-q.tokens
		return img.png, img.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// drawer renders QR codes as two-colour PNGs, reusing its buffers.
type drawer struct {
	buf bytes.Buffer
	enc png.Encoder
}

// pool keeps the compressor of png.Encoder between images: allocating one
// costs more than compressing a QR code.
type pool struct{ b *png.EncoderBuffer }

func (p *pool) Get() *png.EncoderBuffer  { return p.b }
func (p *pool) Put(b *png.EncoderBuffer) { p.b = b }

var palette = color.Palette{color.White, color.Black}

func (d *drawer) draw(url string) ([]byte, error) {
	bm, err := label.Bitmap(url)
	if err != nil {
		return nil, err
	}
	n := len(bm) * pixelsPerModule
	img := image.NewPaletted(image.Rect(0, 0, n, n), palette)
	for y := range n {
		row := bm[y/pixelsPerModule]
		pix := img.Pix[y*img.Stride : y*img.Stride+n]
		for x := range pix {
			if row[x/pixelsPerModule] {
				pix[x] = 1
			}
		}
	}
	if d.enc.BufferPool == nil {
		d.enc = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pool{}}
	}
	d.buf.Reset()
	if err := d.enc.Encode(&d.buf, img); err != nil {
		return nil, err
	}
	return bytes.Clone(d.buf.Bytes()), nil
}
