package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	args := map[string]string{}
	if data, err := os.ReadFile("/scripts/args.json"); err == nil {
		_ = json.Unmarshal(data, &args)
	}
	name := args["name"]
	if name == "" {
		name = "world"
	}
	fmt.Printf("Hello, %s!\n", name)
}
