// API smoke test: call a list of endpoints of a freshly deployed API and check
// that each answers with the status it should — with JSON that parses, and in
// time. Endpoints are called in the order given; redirects are followed. Run
// it with network "host" (or "bridge", or against a target container).
//
// Written for Mono's mcs (what runs C# here) with the framework's HttpClient
// and JavaScriptSerializer; on .NET the design's System.Net.Http.Json does the
// JSON part (see the samples README).
//
// /// stellascript
// [parameters.base_url]
// type = "string"
// required = true
// pattern = "https?://.+"
// description = "The API's base URL; the paths are appended to it"
// [parameters.endpoints]
// type = "string"
// default = "/health"
// description = "Paths, comma- or newline-separated, each optionally followed by its expected status or class: \"/health, /items 200, /admin 401, /old 3xx\" (default 2xx)"
// [parameters.require_json]
// type = "boolean"
// default = true
// description = "A 2xx answer with a body must be JSON that parses"
// [parameters.max_latency_ms]
// type = "integer"
// default = 5000
// minimum = 1
// description = "Slowest acceptable answer of each endpoint"
// [parameters.auth_token]
// type = "secret"
// description = "A secret holding a bearer token for the API (optional)"
// ///
//
// Arguments: the parameters above (in /scripts/args.json, checked before the run).
// Output: one ✓/✗ line per endpoint; $STELLASCRIPT_OUTPUT gets {base_url,
// healthy, passed, failed, results: [{path, status, expected, latency_ms, ok, problems}]}.
// Exit codes: 0 every endpoint passed, 1 at least one failed, 2 bad
// arguments (an endpoint line that does not parse).

using System.Diagnostics;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using System.Web.Script.Serialization;
using Result = System.Collections.Generic.Dictionary<string, object>;

var json = new JavaScriptSerializer();
var args = json.Deserialize<Dictionary<string, string>>(File.ReadAllText("/scripts/args.json"));
string baseUrl = args["base_url"].TrimEnd('/');
bool requireJson = Arg(args, "require_json", "true") == "true";
long maxLatencyMs = long.Parse(Arg(args, "max_latency_ms", "5000"));

var endpoints = new List<string[]>();
foreach (string entry in Arg(args, "endpoints", "/health").Split(new[] { ',', '\n' }, StringSplitOptions.RemoveEmptyEntries))
{
    var match = Regex.Match(entry.Trim(), @"^(/\S*)(?:\s+([1-5](?:\d\d|xx)))?$", RegexOptions.IgnoreCase);
    if (entry.Trim().Length == 0) continue;
    if (!match.Success)
    {
        Console.WriteLine("✗ bad arguments: endpoint \"" + entry.Trim() + "\" must be a path, optionally followed by a status like 200 or 2xx");
        Environment.Exit(2);
    }
    endpoints.Add(new[] { match.Groups[1].Value, match.Groups[2].Success ? match.Groups[2].Value.ToLowerInvariant() : "2xx" });
}

var results = new List<Result>();
using (var client = new HttpClient { Timeout = TimeSpan.FromMilliseconds(Math.Max(maxLatencyMs * 2, 1000)) })
{
    client.DefaultRequestHeaders.UserAgent.ParseAdd("stellascript-smoke-test/1");
    client.DefaultRequestHeaders.Accept.ParseAdd("application/json");
    if (args.ContainsKey("auth_token"))
    {
        // A secret arrives as a file, never as an argument.
        string token = File.ReadAllText("/run/secrets/" + args["auth_token"]).Trim();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }
    foreach (var endpoint in endpoints)
    {
        results.Add(Call(client, json, baseUrl, endpoint[0], endpoint[1], requireJson, maxLatencyMs));
    }
}
int failed = results.Count(r => !(bool)r["ok"]);
Console.WriteLine((results.Count - failed) + " of " + results.Count + " endpoints passed");
var outputs = new Dictionary<string, object> {
    { "base_url", baseUrl }, { "healthy", failed == 0 }, { "passed", results.Count - failed }, { "failed", failed }, { "results", results },
};
string outputPath = Environment.GetEnvironmentVariable("STELLASCRIPT_OUTPUT");
if (!string.IsNullOrEmpty(outputPath)) File.WriteAllText(outputPath, json.Serialize(outputs));
Environment.Exit(failed == 0 ? 0 : 1);

static string Arg(Dictionary<string, string> args, string name, string fallback)
{
    string value;
    return args.TryGetValue(name, out value) ? value : fallback;
}

static bool StatusMatches(string expected, int status)
{
    return expected.EndsWith("xx") ? status / 100 == expected[0] - '0' : status == int.Parse(expected);
}

static Result Call(HttpClient client, JavaScriptSerializer json, string baseUrl, string path, string expected, bool requireJson, long maxLatencyMs)
{
    var problems = new List<string>();
    var result = new Result { { "path", path }, { "expected", expected }, { "status", null }, { "latency_ms", null } };
    var clock = Stopwatch.StartNew();
    try
    {
        var response = client.GetAsync(baseUrl + path).Result;
        string body = response.Content.ReadAsStringAsync().Result;
        long latencyMs = clock.ElapsedMilliseconds;
        int status = (int)response.StatusCode;
        result["status"] = status;
        result["latency_ms"] = latencyMs;
        if (!StatusMatches(expected, status)) problems.Add("status " + status + ", expected " + expected);
        if (requireJson && status / 100 == 2 && body.Length > 0)
        {
            try
            {
                json.DeserializeObject(body);
            }
            catch (ArgumentException error)
            {
                problems.Add("the body is not JSON: " + error.Message.Split('\n')[0]);
            }
        }
        if (latencyMs > maxLatencyMs) problems.Add("took " + latencyMs + " ms, at most " + maxLatencyMs + " ms allowed");
    }
    catch (AggregateException error)
    {
        Exception inner = error;
        while (inner.InnerException != null) inner = inner.InnerException;
        problems.Add(error.InnerException is TaskCanceledException ? "no answer within " + client.Timeout.TotalMilliseconds + " ms" : inner.Message);
    }
    bool ok = problems.Count == 0;
    result["ok"] = ok;
    result["problems"] = problems;
    Console.WriteLine((ok ? "✓ " : "✗ ") + "GET " + path + " → " + (result["status"] ?? "no answer")
                      + (ok ? " (" + result["latency_ms"] + " ms)" : ": " + string.Join("; ", problems)));
    return result;
}
