"""Formatting with each ecosystem's real formatter: messy scripts come out
formatted, formatting twice changes nothing, and errors say what is wrong."""

from __future__ import annotations

import pytest

from jupyter_stellascript.languages import UnknownLanguage
from jupyter_stellascript.lsp.formatters import verify_google_java_format_jar
from jupyter_stellascript.lsp.formatting import FormatError, format_source
from tests.lsp.conftest import check_schema

MESSY = {
    "python": ("def  f( a,b ):\n  return {'a':a,\n'b':b}\n", "def f(a, b):\n    return {\"a\": a, \"b\": b}\n"),
    "typescript": ("const  xs:number[]=[1,2,3]\nfunction f(a:number){return a*2}\nconsole.log( xs.map(f) )\n",
                   "const xs: number[] = [1, 2, 3];\nfunction f(a: number) {\n  return a * 2;\n}\nconsole.log(xs.map(f));\n"),
    "go": ("package main\nimport \"fmt\"\nfunc main(){\nx:=1\n    fmt.Println( x )\n}\n",
           "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tx := 1\n\tfmt.Println(x)\n}\n"),
    "bash": ("if [ -n \"$1\" ];then\necho   \"$1\"\n      fi\n", "if [ -n \"$1\" ]; then\n\techo \"$1\"\nfi\n"),
    "java": ("public class Main{public static void main(String[] args){int x=1;System.out.println(x);}}\n",
             "public class Main {\n  public static void main(String[] args) {\n    int x = 1;\n"
             "    System.out.println(x);\n  }\n}\n"),
    "csharp": ("class Program{static void Main(){int x=1;if(x>0){System.Console.WriteLine(x);}}}\n",
               "class Program\n{\n    static void Main()\n    {\n        int x = 1;\n        if (x > 0)\n        {\n"
               "            System.Console.WriteLine(x);\n        }\n    }\n}\n"),
}

BROKEN = {
    "python": ("x = (\n", "2:1"),
    "typescript": ("let x = ;\n", "(1:9)"),
    "go": ("package main\nfunc main( {\n", "2:12"),
    "bash": ("if true; then\necho hi\n", "1:1"),
    "java": ("class A {\n  void f( {}\n", "2:"),
}


@pytest.mark.parametrize("language", sorted(MESSY))
def test_a_messy_script_is_formatted_and_formatting_is_idempotent(language):
    messy, expected = MESSY[language]
    formatted = format_source(language, messy)
    assert formatted == expected
    assert format_source(language, formatted) == formatted


@pytest.mark.parametrize("language", sorted(BROKEN))
def test_a_script_that_does_not_parse_is_an_error_with_its_position(language):
    source, position = BROKEN[language]
    with pytest.raises(FormatError) as raised:
        format_source(language, source)
    assert position in str(raised.value), str(raised.value)


def test_csharp_script_statements_format_too():
    assert format_source("csharp", "var x=1;\nif(x>0){Console.WriteLine(x);}\n", "main.csx") == (
        "var x = 1;\nif (x > 0)\n{\n    Console.WriteLine(x);\n}\n")


def test_an_unknown_language_is_refused_by_name():
    with pytest.raises(UnknownLanguage, match="cobol"):
        format_source("cobol", "x")


def test_the_google_java_format_jar_is_the_pinned_release():
    assert verify_google_java_format_jar().name.startswith("google-java-format-")


def test_the_format_endpoint_formats_and_reports_errors(jupyter_server):
    url = "stellascript/api/v1/format"
    ok = jupyter_server.request("POST", url, json={"language": "go", "source": MESSY["go"][0]})
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"source": MESSY["go"][1], "changed": True}
    check_schema("FormatResult", ok.json())

    broken = jupyter_server.request("POST", url, json={"language": "python", "source": "x = (\n"})
    assert broken.status_code == 422, broken.text
    assert "ruff format could not format the script" in broken.json()["message"]
    check_schema("Error", broken.json())

    unknown = jupyter_server.request("POST", url, json={"language": "cobol", "source": "x"})
    assert unknown.status_code == 400, unknown.text
    assert "unknown language 'cobol'" in unknown.json()["message"]

    bad_name = jupyter_server.request("POST", url, json={"language": "go", "source": "package main\n", "entry_point": "main.py"})
    assert bad_name.status_code == 400 and "must end with .go" in bad_name.text, bad_name.text

    missing = jupyter_server.request("POST", url, json={"language": "go"})
    assert missing.status_code == 400 and "source is required" in missing.text
