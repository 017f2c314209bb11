// /// stellascript
// [parameters.name]
// type = "string"
// default = "world"
// description = "Who to greet"
// ///
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	// Arguments arrive in /scripts/args.json: a JSON object of strings, checked
	// against the parameters above (defaults filled in) before the run starts.
	args := map[string]string{}
	if data, err := os.ReadFile("/scripts/args.json"); err == nil {
		_ = json.Unmarshal(data, &args)
	}
	name := args["name"]
	if name == "" {
		name = "world"
	}
	greeting := fmt.Sprintf("Hello, %s!", name)
	fmt.Println(greeting)

	// Results for a workflow's next steps: a JSON object in the file STELLASCRIPT_OUTPUT names, when it is set.
	if path := os.Getenv("STELLASCRIPT_OUTPUT"); path != "" {
		data, _ := json.Marshal(map[string]string{"greeting": greeting})
		_ = os.WriteFile(path, data, 0o644)
	}
}
