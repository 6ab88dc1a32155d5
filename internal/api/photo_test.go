package api_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// gradient is a small picture, so that encoders have something to keep.
func gradient() image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, 16, 12))
	for x := range 16 {
		for y := range 12 {
			img.Set(x, y, color.NRGBA{R: uint8(x * 16), G: uint8(y * 20), B: 90, A: 255})
		}
	}
	return img
}

// pngPhoto is a complaint photo as Go encodes PNGs, which the service's
// re-encoding leaves byte for byte as it is.
func pngPhoto(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, gradient()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// exiftool finds ExifTool, the independent reader of photo metadata.
func exiftool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("exiftool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("exiftool is missing (scripts/test.sh installs libimage-exiftool-perl)")
		}
		t.Skip("exiftool is not installed")
	}
	return path
}

// exifOf is the EXIF tags (GPS ones among them) ExifTool reads from a JPEG.
func exifOf(t *testing.T, tool string, jpg []byte) map[string]any {
	t.Helper()
	f := filepath.Join(t.TempDir(), "photo.jpg")
	if err := os.WriteFile(f, jpg, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-json", "-n", "-EXIF:all", f).Output()
	if err != nil {
		t.Fatalf("exiftool: %v", err)
	}
	var tags []map[string]any
	if err := json.Unmarshal(out, &tags); err != nil || len(tags) != 1 {
		t.Fatalf("exiftool answered %s: %v", out, err)
	}
	delete(tags[0], "SourceFile")
	return tags[0]
}

// TestPhotosLoseTheirMetadata: a phone's JPEG with the GPS position of the
// consumer's home goes in; what the regulator gets back is the picture
// without it, served so that no browser sniffs it as anything else.
func TestPhotosLoseTheirMetadata(t *testing.T) {
	tool := exiftool(t)
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, gradient(), nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, tagged := filepath.Join(dir, "in.jpg"), filepath.Join(dir, "tagged.jpg")
	if err := os.WriteFile(in, plain.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool, "-q", "-GPSLatitude=31.35", "-GPSLatitudeRef=N", "-GPSLongitude=110.75", "-GPSLongitudeRef=E",
		"-Make=Phone", "-o", tagged, in).CombinedOutput(); err != nil {
		t.Fatalf("exiftool: %v %s", err, out)
	}
	withGPS, err := os.ReadFile(tagged)
	if err != nil {
		t.Fatal(err)
	}
	// The tagged input does carry a position, so the check below can fail.
	if tags := exifOf(t, tool, withGPS); tags["GPSLatitude"] == nil {
		t.Fatalf("exiftool wrote no position into the test photo: %v", tags)
	}

	e := start(t)
	reg := e.as(demo.Regulator)
	for _, tc := range []struct {
		name, declared string
		data           []byte
		served         string
	}{
		{"JPEG with GPS", "image/jpeg", withGPS, "image/jpeg"},
		{"JPEG declared as PNG", "image/png", withGPS, "image/jpeg"},
		{"PNG", "image/png", pngPhoto(t), "image/png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var filed struct{ ID string }
			err := reg.Do(bg, "POST", "/api/v1/complaints", trace.FileInput{Serial: "A1B2C3D4E5F6", Kind: "other", Description: "照片",
				Evidence: []trace.EvidenceInput{{ContentType: tc.declared, Data: tc.data}}}, &filed)
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ Complaint trace.Complaint }
			if err := reg.Do(bg, "GET", "/api/v1/complaints/"+filed.ID, nil, &got); err != nil || len(got.Complaint.Evidence) != 1 {
				t.Fatalf("complaint: %+v, %v", got, err)
			}
			req, _ := http.NewRequest("GET", e.URL+"/api/v1/evidence/"+got.Complaint.Evidence[0], nil)
			req.Header.Set("Authorization", "Bearer "+e.Keys[demo.Regulator])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body bytes.Buffer
			if _, err := body.ReadFrom(resp.Body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tc.served || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("served %d as %q, nosniff %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"))
			}
			if tc.served == "image/jpeg" {
				if tags := exifOf(t, tool, body.Bytes()); len(tags) > 0 {
					t.Errorf("the stored photo still carries EXIF: %v", tags)
				}
			}
			if _, _, err := image.Decode(bytes.NewReader(body.Bytes())); err != nil {
				t.Errorf("the stored photo is no picture: %v", err)
			}
		})
	}
}
