using System;
using System.IO;
using System.Text.RegularExpressions;

public static class Hello
{
    public static void Main()
    {
        // Arguments are in /scripts/args.json (a JSON object of strings).
        var json = File.ReadAllText("/scripts/args.json");
        var match = Regex.Match(json, @"""name""\s*:\s*""([^""]*)""");
        var name = match.Success ? match.Groups[1].Value : "world";
        Console.WriteLine($"Hello, {name}!");
    }
}
