// Imports the standard packages scripts use most, so that building this file
// while making the image leaves them compiled in the image's Go cache.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

var _ = []any{bufio.NewReader, context.Background, sha256.New, tls.Dial, base64.StdEncoding,
	csv.NewReader, json.Marshal, errors.New, flag.Parse, io.EOF, log.Println, math.Pi, net.Dial,
	http.Get, url.Parse, exec.Command, filepath.Join, regexp.MustCompile, sort.Ints, strconv.Itoa,
	strings.Split, sync.NewCond, time.Now}

func main() { fmt.Fprintln(os.Stdout, "warm") }
