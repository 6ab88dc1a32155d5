// Command baseline is the yardstick of scripts/bench.sh: a bare Gin server,
// built from this module so it runs the same Gin version, in release mode and
// without request logging as the service runs, with one GET route that
// encodes a fixed JSON object about the size of a scan answer. What the
// service reaches as a fraction of this, on the same machine in the same
// minute, is what the benchmark reports.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/gin-gonic/gin"
)

// answer has the shape of a scan's JSON: a verdict, a maker, a journey of
// steps. Its size is set at start-up to match the service's answer.
type answer struct {
	Verdict string   `json:"verdict"`
	Reasons []string `json:"reasons"`
	Maker   string   `json:"maker"`
	Journey []step   `json:"journey"`
}

type step struct {
	Lot   string `json:"lot"`
	Event string `json:"event"`
	Org   string `json:"org"`
	Time  string `json:"time"`
	Hash  string `json:"hash"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	size := flag.Int("size", 4096, "approximate bytes of the JSON answer")
	flag.Parse()
	body := answer{Verdict: "genuine", Reasons: []string{"signature valid", "chain verified"}, Maker: "古夫镇菜籽油坊"}
	for i := 0; encodedSize(body) < *size; i++ {
		body.Journey = append(body.Journey, step{
			Lot: fmt.Sprintf("06901234500590.B%06d", i), Event: "receive", Org: "xingshan-dc",
			Time: "2026-11-29T07:00:00.123Z", Hash: strings.Repeat("ab", 32),
		})
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.GET("/scan", func(c *gin.Context) { c.JSON(http.StatusOK, &body) })
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	// bench.sh reads the bound address from this line.
	fmt.Fprintf(os.Stdout, "listening on %s\n", ln.Addr())
	log.Fatal(http.Serve(ln, r))
}

func encodedSize(a answer) int {
	b, err := json.Marshal(a)
	if err != nil {
		log.Fatal(err)
	}
	return len(b)
}
