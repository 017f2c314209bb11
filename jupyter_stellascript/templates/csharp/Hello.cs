// /// stellascript
// [parameters.name]
// type = "string"
// default = "world"
// description = "Who to greet"
// ///
using System;
using System.Collections.Generic;
using System.IO;
using System.Web.Script.Serialization;

public static class Hello
{
    public static void Main()
    {
        // Arguments arrive in /scripts/args.json: a JSON object of strings, checked
        // against the parameters above (defaults filled in) before the run starts.
        var json = new JavaScriptSerializer();
        var args = json.Deserialize<Dictionary<string, string>>(File.ReadAllText("/scripts/args.json"));
        string name;
        if (!args.TryGetValue("name", out name)) name = "world";
        var greeting = "Hello, " + name + "!";
        Console.WriteLine(greeting);

        // Results for a workflow's next steps: a JSON object in the file STELLASCRIPT_OUTPUT names, when it is set.
        var output = Environment.GetEnvironmentVariable("STELLASCRIPT_OUTPUT");
        if (!string.IsNullOrEmpty(output))
        {
            File.WriteAllText(output, json.Serialize(new Dictionary<string, string> { { "greeting", greeting } }));
        }
    }
}
