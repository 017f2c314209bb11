// HTTP health check, in C#: GET a URL and judge the answer.
//
// The C# twin of samples/python/http_health_check.py, for teams whose hooks
// are in C#. It fails when the endpoint is unreachable, answers with an
// unexpected status, lacks an expected piece of text, or is slower than
// allowed. Redirects are followed; the status judged is the final one.
// Run it with network "host" (or "bridge") to reach anything outside the sandbox.
//
// Written for Mono's mcs (a C# 6-era dialect: no tuples, local functions or
// `using var`) with the assemblies Stella Script references: System.Net.Http
// for HttpClient and System.Web.Extensions for JavaScriptSerializer.
//
// Arguments (args.json, all strings):
//   url              required  http:// or https:// URL to check
//   expected_status  "200"     accepted statuses, comma-separated; "2xx"-style
//                              classes allowed, e.g. "200,204" or "2xx,301"
//   expect_body      ""        text the response body must contain (none: not checked)
//   max_latency_ms   ""        slowest acceptable response, in ms (none: not checked)
//   timeout_s        "10"      give up after this many seconds
//
// Output (stdout, JSON):
//   {"url": "...", "healthy": true|false, "status": 200|null, "latency_ms": 12.3|null,
//    "body_bytes": 42, "checks": [{"name": "status", "ok": true, "detail": "..."}, ...],
//    "error": null|"..."}
//
// Exit codes: 0 healthy, 1 a check failed (or the URL could not be reached),
// 2 bad arguments (message on stderr, nothing on stdout).

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Web.Script.Serialization;

public class HttpHealthCheck
{
    const string ArgsFile = "/scripts/args.json";
    static readonly string[] KnownArguments = { "url", "expected_status", "expect_body", "max_latency_ms", "timeout_s" };

    class BadArguments : Exception
    {
        public BadArguments(string message) : base(message) { }
    }

    class Config
    {
        public string Url;
        public string ExpectedStatus;
        public HashSet<int> ExactStatuses = new HashSet<int>();
        public HashSet<int> StatusClasses = new HashSet<int>();
        public string ExpectBody;
        public double? MaxLatencyMs;
        public double TimeoutS;

        public bool Accepts(int status)
        {
            return ExactStatuses.Contains(status) || StatusClasses.Contains(status / 100);
        }
    }

    public static int Main(string[] argv)
    {
        Config config;
        try
        {
            config = ParseArgs(ReadArgs());
        }
        catch (BadArguments error)
        {
            Console.Error.WriteLine("HttpHealthCheck: bad arguments: " + error.Message);
            return 2;
        }
        Dictionary<string, object> result = Check(config);
        Console.WriteLine(new JavaScriptSerializer().Serialize(result));
        return (bool)result["healthy"] ? 0 : 1;
    }

    static Dictionary<string, string> ReadArgs()
    {
        var args = new Dictionary<string, string>();
        if (!File.Exists(ArgsFile))
        {
            return args;
        }
        object parsed;
        try
        {
            parsed = new JavaScriptSerializer().DeserializeObject(File.ReadAllText(ArgsFile));
        }
        catch (ArgumentException error)
        {
            throw new BadArguments(ArgsFile + " is not valid JSON: " + error.Message);
        }
        var values = parsed as Dictionary<string, object>;
        if (values == null)
        {
            throw new BadArguments(ArgsFile + " must hold a JSON object");
        }
        foreach (var pair in values)
        {
            var text = pair.Value as string;
            if (text == null)
            {
                throw new BadArguments("argument " + pair.Key + " must be a string");
            }
            args[pair.Key] = text;
        }
        return args;
    }

    static string Get(Dictionary<string, string> args, string name, string fallback)
    {
        string value;
        return args.TryGetValue(name, out value) && value.Trim().Length > 0 ? value : fallback;
    }

    static double? Number(Dictionary<string, string> args, string name, double? fallback, double minimum)
    {
        string text = Get(args, name, "").Trim();
        if (text.Length == 0)
        {
            return fallback;
        }
        double value;
        if (!Regex.IsMatch(text, @"^\d+(\.\d+)?$")
            || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)
            || value < minimum)
        {
            throw new BadArguments(string.Format(CultureInfo.InvariantCulture,
                "{0} must be a number >= {1}, got \"{2}\"", name, minimum, text));
        }
        return value;
    }

    static Config ParseArgs(Dictionary<string, string> args)
    {
        var unknown = args.Keys.Where(name => !KnownArguments.Contains(name)).OrderBy(name => name, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new BadArguments("unknown argument(s): " + string.Join(", ", unknown) + "; known: " + string.Join(", ", KnownArguments));
        }
        var config = new Config();
        config.Url = Get(args, "url", "").Trim();
        if (config.Url.Length == 0)
        {
            throw new BadArguments("url is required, e.g. http://127.0.0.1:8080/health");
        }
        Uri uri;
        if (!Uri.TryCreate(config.Url, UriKind.Absolute, out uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            throw new BadArguments("url must be an http:// or https:// URL, got \"" + config.Url + "\"");
        }
        config.ExpectedStatus = Get(args, "expected_status", "200").Trim();
        foreach (var piece in config.ExpectedStatus.Split(',').Select(part => part.Trim().ToLowerInvariant()))
        {
            if (Regex.IsMatch(piece, @"^[1-5]\d\d$"))
            {
                config.ExactStatuses.Add(int.Parse(piece, CultureInfo.InvariantCulture));
            }
            else if (Regex.IsMatch(piece, @"^[1-5]xx$"))
            {
                config.StatusClasses.Add(piece[0] - '0');
            }
            else
            {
                throw new BadArguments("expected_status must list codes like 200 or classes like 2xx, got \"" + config.ExpectedStatus + "\"");
            }
        }
        config.ExpectBody = args.ContainsKey("expect_body") ? args["expect_body"] : "";
        config.MaxLatencyMs = Number(args, "max_latency_ms", null, 0);
        config.TimeoutS = Number(args, "timeout_s", 10, 0.001).Value;
        return config;
    }

    // The innermost message says what actually went wrong ("Connection refused", ...).
    static string Describe(Exception error)
    {
        var aggregate = error as AggregateException;
        if (aggregate != null)
        {
            error = aggregate.Flatten().InnerExceptions[0];
        }
        if (error is System.Threading.Tasks.TaskCanceledException)
        {
            return "timed out";
        }
        while (error.InnerException != null)
        {
            error = error.InnerException;
        }
        return error.Message;
    }

    static Dictionary<string, object> CheckItem(string name, bool ok, string detail)
    {
        return new Dictionary<string, object> { { "name", name }, { "ok", ok }, { "detail", detail } };
    }

    static Dictionary<string, object> Check(Config config)
    {
        int? status = null;
        byte[] body = new byte[0];
        string error = null;
        var stopwatch = new Stopwatch();
        using (var client = new HttpClient())
        {
            client.Timeout = TimeSpan.FromSeconds(config.TimeoutS);
            client.DefaultRequestHeaders.UserAgent.ParseAdd("stellascript-http-health-check/1");
            stopwatch.Start();
            try
            {
                using (var response = client.GetAsync(config.Url).Result)
                {
                    body = response.Content.ReadAsByteArrayAsync().Result;
                    status = (int)response.StatusCode;
                }
            }
            catch (Exception failure)
            {
                error = "could not reach " + config.Url + ": " + Describe(failure);
            }
        }
        stopwatch.Stop();
        double latencyMs = Math.Round(stopwatch.Elapsed.TotalMilliseconds, 1);

        var checks = new List<object>();
        if (error == null)
        {
            checks.Add(CheckItem("status", config.Accepts(status.Value),
                string.Format("got {0}, expected {1}", status.Value, config.ExpectedStatus)));
            if (config.ExpectBody.Length > 0)
            {
                bool found = System.Text.Encoding.UTF8.GetString(body).Contains(config.ExpectBody);
                checks.Add(CheckItem("body", found,
                    (found ? "found" : "did not find") + " \"" + config.ExpectBody + "\" in the body"));
            }
            if (config.MaxLatencyMs.HasValue)
            {
                checks.Add(CheckItem("latency", latencyMs <= config.MaxLatencyMs.Value,
                    string.Format(CultureInfo.InvariantCulture, "{0} ms, at most {1} ms allowed", latencyMs, config.MaxLatencyMs.Value)));
            }
        }
        bool healthy = error == null && checks.All(item => (bool)((Dictionary<string, object>)item)["ok"]);
        return new Dictionary<string, object>
        {
            { "url", config.Url },
            { "healthy", healthy },
            { "status", status },
            { "latency_ms", error == null ? (object)latencyMs : null },
            { "body_bytes", body.Length },
            { "checks", checks },
            { "error", error },
        };
    }
}
