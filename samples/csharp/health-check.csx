// HTTP health check: GET a health endpoint and judge its answer — status,
// a field of its JSON body (e.g. {"status": "ok"} or Spring's {"status": "UP"})
// and latency. A post-deploy gate or a periodic probe. Redirects are followed;
// the status judged is the final one. Run it with network "host" (or
// "bridge", or against a target container) to reach the service.
//
// Written for Mono's mcs (what runs C# here) with the framework's HttpClient
// and JavaScriptSerializer; on .NET the design's System.Net.Http.Json does the
// JSON part (see the samples README).
//
// /// stellascript
// [parameters.url]
// type = "string"
// required = true
// pattern = "https?://.+"
// description = "The health endpoint, e.g. http://127.0.0.1:8080/health"
// [parameters.expected_status]
// type = "integer"
// default = 200
// minimum = 100
// maximum = 599
// [parameters.json_field]
// type = "string"
// default = "status"
// description = "A top-level field of the JSON body to check (empty: the body is not read as JSON)"
// [parameters.json_value]
// type = "string"
// default = "ok"
// description = "The value json_field must have (compared without case)"
// [parameters.max_latency_ms]
// type = "integer"
// default = 2000
// minimum = 1
// [parameters.timeout_s]
// type = "integer"
// default = 10
// minimum = 1
// maximum = 300
// [parameters.auth_token]
// type = "secret"
// description = "A secret holding a bearer token for the endpoint (optional)"
// ///
//
// Arguments: the parameters above (in /scripts/args.json, checked before the run).
// Output: a ✓/✗ line per check; $STELLASCRIPT_OUTPUT gets {url, healthy,
// status, latency_ms, field_value, checks: [{name, ok, detail}], error}.
// Exit codes: 0 healthy, 1 a check failed, 2 the endpoint could not be reached.

using System.Diagnostics;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Web.Script.Serialization;

var json = new JavaScriptSerializer();
var args = json.Deserialize<Dictionary<string, string>>(File.ReadAllText("/scripts/args.json"));
string url = args["url"];
int expectedStatus = int.Parse(Arg(args, "expected_status", "200"));
string field = Arg(args, "json_field", "status");
string wanted = Arg(args, "json_value", "ok");
long maxLatencyMs = long.Parse(Arg(args, "max_latency_ms", "2000"));

var outputs = new Dictionary<string, object> { { "url", url }, { "healthy", false } };
var checks = new List<Dictionary<string, object>>();
outputs["checks"] = checks;

using (var client = new HttpClient { Timeout = TimeSpan.FromSeconds(int.Parse(Arg(args, "timeout_s", "10"))) })
{
    client.DefaultRequestHeaders.UserAgent.ParseAdd("stellascript-health-check/1");
    if (args.ContainsKey("auth_token"))
    {
        // A secret arrives as a file, never as an argument.
        string token = File.ReadAllText("/run/secrets/" + args["auth_token"]).Trim();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }
    var clock = Stopwatch.StartNew();
    HttpResponseMessage response;
    string body;
    try
    {
        response = client.GetAsync(url).Result;
        body = response.Content.ReadAsStringAsync().Result;
    }
    catch (AggregateException error)
    {
        string reason = Innermost(error).Message;
        if (error.InnerException is TaskCanceledException) reason = "no answer within " + client.Timeout.TotalSeconds + " s";
        Console.WriteLine("✗ cannot reach " + url + ": " + reason);
        outputs["error"] = reason;
        Finish(json, outputs, 2);
        return;
    }
    long latencyMs = clock.ElapsedMilliseconds;
    int status = (int)response.StatusCode;
    outputs["status"] = status;
    outputs["latency_ms"] = latencyMs;

    Check(checks, "status", status == expectedStatus, "status " + status + ", expected " + expectedStatus);
    if (field.Length > 0)
    {
        object value = null;
        try
        {
            var parsed = json.DeserializeObject(body) as Dictionary<string, object>;
            if (parsed != null) parsed.TryGetValue(field, out value);
        }
        catch (ArgumentException)
        {
            // Not JSON: the check below fails saying so.
        }
        outputs["field_value"] = value == null ? null : value.ToString();
        Check(checks, "body", value != null && string.Equals(value.ToString(), wanted, StringComparison.OrdinalIgnoreCase),
              value == null ? "the body has no JSON field \"" + field + "\"" : field + " is \"" + value + "\", expected \"" + wanted + "\"");
    }
    Check(checks, "latency", latencyMs <= maxLatencyMs, "answered in " + latencyMs + " ms, at most " + maxLatencyMs + " ms allowed");
}
bool healthy = checks.All(c => (bool)c["ok"]);
outputs["healthy"] = healthy;
Finish(json, outputs, healthy ? 0 : 1);

static string Arg(Dictionary<string, string> args, string name, string fallback)
{
    string value;
    return args.TryGetValue(name, out value) ? value : fallback;
}

static Exception Innermost(Exception error)
{
    while (error.InnerException != null) error = error.InnerException;
    return error;
}

static void Check(List<Dictionary<string, object>> checks, string name, bool ok, string detail)
{
    Console.WriteLine((ok ? "✓ " : "✗ ") + detail);
    checks.Add(new Dictionary<string, object> { { "name", name }, { "ok", ok }, { "detail", detail } });
}

static void Finish(JavaScriptSerializer json, Dictionary<string, object> outputs, int code)
{
    string path = Environment.GetEnvironmentVariable("STELLASCRIPT_OUTPUT");
    if (!string.IsNullOrEmpty(path)) File.WriteAllText(path, json.Serialize(outputs));
    Environment.Exit(code);
}
