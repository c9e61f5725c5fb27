using System.Text;

namespace TokenOps.Tokenizers.Tests.Bpe;

/// <summary>
/// Texts on which the compact counter must agree with Microsoft.ML.Tokenizers: hand-written documents of many kinds
/// (each also with CRLF line ends, tab indentation and trailing spaces), every short string over an alphabet chosen
/// for the regexes' edge cases, seeded random strings from mixed character classes, and very long single-piece runs.
/// </summary>
internal static class EquivalenceCorpus
{
    private static readonly string[] Documents =
    [
        // English prose
        "The quick brown fox jumps over the lazy dog.",
        """
        It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness,
        it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of
        Darkness, it was the spring of hope, it was the winter of despair.
        """,
        "Mr. O'Neil's dog didn't bark; we'd've heard it. I'LL GO. We'Re here, you'VE seen it, they'D know, she'S, it'T, I'M.",
        "Don't can't won't shouldn't y'all ma'am rock'n'roll 'tis o'clock ''quoted'' 'single' ’curly’ “double”",
        "CAPITALS AND lowercase AND MiXeD cAsE AND camelCaseIdentifiers AND PascalCase AND snake_case AND kebab-case.",
        "Visit https://example.com/path?query=1&other=two#frag or mail john.doe+tag@example.co.uk — thanks!",
        "Ellipsis... dashes -- and — and – bullets • arrows → ← ⇒ math ∑∫√∞ ≤ ≥ ≠ ± × ÷ currency $ € £ ¥ ₹ ₿",
        // Code
        """
        using System;

        namespace Demo;

        public static class Program
        {
            public static int Main(string[] args)
            {
                var total = 0;
                for (var i = 0; i < args.Length; i++)
                {
                    total += args[i].Length; // count
                }

                Console.WriteLine($"Total: {total:N0}");
                return total > 0 ? 0 : 1;
            }
        }
        """,
        """
        def fibonacci(n: int) -> list[int]:
            \"\"\"Return the first n Fibonacci numbers.\"\"\"
            a, b = 0, 1
            out = []
            for _ in range(n):
                out.append(a)
                a, b = b, a + b
            return out


        if __name__ == "__main__":
            print(fibonacci(10))  # [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]
        """,
        """
        export async function fetchJson(url, { retries = 3, ...opts } = {}) {
          for (let i = 0; i <= retries; i++) {
            try {
              const res = await fetch(url, opts);
              if (!res.ok) throw new Error(`HTTP ${res.status}`);
              return await res.json();
            } catch (e) {
              if (i === retries) throw e;
              await new Promise(r => setTimeout(r, 2 ** i * 100));
            }
          }
        }
        """,
        """
        fn main() -> Result<(), Box<dyn std::error::Error>> {
            let v: Vec<u64> = (1..=10).map(|x| x * x).collect();
            println!("{:?} sum={}", v, v.iter().sum::<u64>());
            Ok(())
        }
        """,
        """
        package main

        import "fmt"

        func main() {
        	m := map[string]int{"a": 1, "b": 2}
        	for k, v := range m {
        		fmt.Printf("%s=%d\n", k, v)
        	}
        }
        """,
        "SELECT u.id, COUNT(*) AS n FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE u.created_at >= '2024-01-01' GROUP BY u.id HAVING n > 3 ORDER BY n DESC;",
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>T</title></head>\n<body><p class=\"x\">Hi &amp; bye</p></body></html>\n",
        "#!/usr/bin/env bash\nset -euo pipefail\nfor f in *.txt; do\n  wc -l \"$f\" | awk '{print $1}' >> /tmp/out.log 2>&1\ndone\n",
        "#include <stdio.h>\nint main(void){int a[3]={1,2,3};printf(\"%d\\n\",a[0]+a[1]*a[2]);return 0;}\n",
        // Data
        """{"model":"gpt-4o","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"What's 2+2?"}],"temperature":0.7,"max_tokens":256,"stream":true,"tools":[]}""",
        """
        {
          "type": "object",
          "properties": {
            "city": { "type": "string", "description": "City name, e.g. \"Paris\"" },
            "days": { "type": "integer", "minimum": 1, "maximum": 14 },
            "units": { "enum": ["metric", "imperial"] }
          },
          "required": ["city"]
        }
        """,
        "name: build\non:\n  push:\n    branches: [ main ]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: dotnet test -c Release\n",
        "| col a | col b |\n|------:|:------|\n| 1 | **bold** _it_ `code` |\n\n> quote\n\n- [ ] todo\n- [x] done\n\n```js\nx = 1\n```\n",
        "id,name,price\n1,\"Widget, large\",19.99\n2,Gadget,0.5\n3,\"Quote \"\"inner\"\"\",1e-3\n",
        "2024-05-13T14:22:01.123Z INFO  [worker-7] GET /v1/chat/completions 200 in 1234ms bytes=5678 user=abc123\n",
        "0x1F 0b1011 0o777 1_000_000 3.14159 -2.5e-10 1e308 NaN ∞ ½ ¾ ² ³ ① ⅷ ١٢٣ १२३ ໑໒",
        // Other scripts
        "東京は日本の首都です。人口は約1400万人で、世界最大級の都市圏を形成しています。",
        "北京欢迎你！我们今天去长城，然后吃烤鸭。",
        "こんにちは、世界。カタカナとひらがなと漢字が混ざっています。",
        "안녕하세요, 세계! 한국어 텍스트입니다.",
        "مرحبا بالعالم! هذه جملة باللغة العربية مع أرقام ١٢٣ و 456.",
        "नमस्ते दुनिया! यह हिंदी में एक वाक्य है। क्षत्रिय ज्ञान",
        "Привет, мир! Съешь же ещё этих мягких французских булок, да выпей чаю.",
        "Γειά σου Κόσμε! Ἀρχιμήδης εὕρηκα.",
        "שלום עולם! זה משפט בעברית.",
        "สวัสดีชาวโลก ภาษาไทยไม่มีช่องว่างระหว่างคำ",
        "Ünïcödé naïve café résumé façade Ångström Æsir Øresund straße ĲSSELMEER ǅemal ǈ ǋ",
        // Emoji, marks, odd code points
        "Family: 👨‍👩‍👧‍👦 thumbs: 👍🏻👍🏼👍🏽👍🏾👍🏿 flags: 🇫🇷🇯🇵🏳️‍🌈 hearts ❤️‍🔥 keycap 1️⃣ #️⃣ 🧑🏽‍💻",
        "e\u0301 a\u0308 n\u0303 Z\u0335\u0321\u031Ba\u0336\u034Cl\u0334g\u0337o\u0338 \u0928\u093F \u0915\u094D\u0937",
        "Math 𝐀𝐁𝐂 𝒜ℬ𝒞 𝔸𝔹ℂ 𝟘𝟙𝟚 and ancient 𐌰𐌱𐌲 and CJK ext 𠀀𠀁𠀂",
        "zero\u200Bwidth\u200Cjoin\u200Dnon\u2060word\uFEFFbom \u00A0nbsp \u2009thin \u3000ideographic \u2028line\u2029para",
        "controls \u0000 \u0001\u0002\u0003 \u0007bell \u001B[31mred\u001B[0m \u007F del \u0085 nel \f form \v vtab",
        "replacement \uFFFD char \uFFFD\uFFFD and private \uE000\uF8FF and nonchar \uFFFE\uFFFF",
        "lone high \uD800 lone low \uDC00 reversed \uDC00\uD800 trailing high \uD83D",
        "\uD83D", "\uDE00", "a\uD83Db", "\uD83D\uD83D\uDE00", "😀\uDE00", "!\uD800!", "x\uDFFFy\uD800z",
        // Special tokens, whole and partial
        "<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
        "Hello<|endoftext|>World", "a <|endoftext|> b", "<|endoftext|><|endoftext|>", " <|endoftext|>\n\n<|fim_prefix|>x<|fim_suffix|>y<|fim_middle|>",
        "<|endof", "<|endoftext", "endoftext|>", "<|endoftext|", "<||>", "<|<|endoftext|>|>", "<|im_start|>system<|im_end|>",
        "text   <|endoftext|>   text", "trailing spaces before special   <|endoftext|>", "line\n<|endofprompt|>\n",
        // Whitespace
        " ", "  ", "\t", "\n", "\r\n", "\r", "\n\n\n", " \n ", "\t\t\tx", "x   ", "x \t \n", "a  b   c    d",
        "   leading", "trailing   ", "\r\n\r\n  \r\n\tx\r\n", "mixed \t\r\n \u00A0\u2003 whitespace\v\f", "line1\nline2\r\nline3\rline4\n",
        "indent\n    four\n        eight\n\ttab\n\t\ttwo tabs\n",
        // Numbers of every length
        "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678901234567890", "3.14159265358979323846264338327950288",
        " 1", " 12", " 123", " 1234", "-1", "+12", "1,234,567.89", "1.2.3.4", "v1.4.2", "2024-05-13", "555-0199", "1e10", "0.000001",
        "a1b2c3", "abc123def456", "x1234567y", "١٢٣٤٥٦٧", "१२३४५६७८", "Ⅻ Ⅷ",
    ];

    private static readonly string[] Suffixes = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "'Re", "'rE", "'VE", "'D", "'x", "'"];

    public static IEnumerable<string> Handwritten()
    {
        foreach (var doc in Documents)
        {
            yield return doc;
            if (doc.Contains('\n', StringComparison.Ordinal))
            {
                yield return doc.Replace("\n", "\r\n", StringComparison.Ordinal);
                yield return doc.Replace("    ", "\t", StringComparison.Ordinal);
                yield return doc.Replace("\n", "  \n", StringComparison.Ordinal) + "   ";
            }

            yield return " " + doc;
            yield return doc + "\n";
        }

        // Every document in one text, as an agent's context would be.
        yield return string.Join("\n\n", Documents);

        foreach (var word in new[] { "I", "we", "you", "they", "it", "WE", "Hello", "x", "東京", "café", " I", "\"he" })
        {
            foreach (var suffix in Suffixes)
            {
                yield return word + suffix;
                yield return word + suffix + " more";
                yield return word + suffix + suffix;
            }
        }

        for (var digits = 1; digits <= 40; digits++)
        {
            var number = new StringBuilder();
            for (var i = 0; i < digits; i++)
            {
                number.Append((char)('0' + ((i * 7 + digits) % 10)));
            }

            yield return number.ToString();
            yield return "x" + number + "y";
            yield return " " + number + ".5";
        }
    }

    /// <summary>Every string of up to 4 chars over 11 characters, and of 5 over 6, picked for the regexes' edge cases.</summary>
    public static IEnumerable<string> Exhaustive()
    {
        foreach (var s in AllStrings(" \t\r\n'aA1!é\uD83D", 4))
        {
            yield return s;
        }

        foreach (var s in AllStrings(" \n\r's\u00A0", 5))
        {
            yield return s;
        }
    }

    private static IEnumerable<string> AllStrings(string alphabet, int maxLength)
    {
        var buffer = new char[maxLength];
        for (var length = 1; length <= maxLength; length++)
        {
            var indices = new int[length];
            while (true)
            {
                for (var i = 0; i < length; i++)
                {
                    buffer[i] = alphabet[indices[i]];
                }

                yield return new string(buffer, 0, length);
                var position = length - 1;
                while (position >= 0 && ++indices[position] == alphabet.Length)
                {
                    indices[position--] = 0;
                }

                if (position < 0)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Runs long enough to be one piece of 10k+ bytes each, the case a quadratic merge would choke on.</summary>
    public static IEnumerable<string> LongRuns()
    {
        yield return new string('a', 20_000);
        yield return new string(' ', 20_000);
        yield return new string('!', 20_000);
        yield return new string('\n', 20_000);
        yield return new string(' ', 20_000) + "x";
        yield return " " + new string('a', 20_000) + "'s";
        yield return new string('A', 10_000) + new string('b', 10_000);
        yield return new string('7', 20_000);
        yield return string.Concat(Enumerable.Repeat("ab", 10_000));
        yield return string.Concat(Enumerable.Repeat("é", 8_000));
        yield return string.Concat(Enumerable.Repeat("東", 5_000));
        yield return string.Concat(Enumerable.Repeat("😀", 4_000));
        yield return string.Concat(Enumerable.Repeat("=-", 6_000));
        yield return string.Concat(Enumerable.Repeat("\t \r\n", 3_000));
    }

    /// <summary><paramref name="count"/> strings of 1–60 runs, each run 1–12 characters from one class.</summary>
    public static IEnumerable<string> Random(int seed, int count)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        for (var n = 0; n < count; n++)
        {
            text.Clear();
            var runs = random.Next(1, 61);
            for (var r = 0; r < runs; r++)
            {
                AppendRun(random, text);
            }

            yield return text.ToString();
        }
    }

    private static readonly string[] Fragments =
    [
        "<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|", "|>", "<|endof",
        "'s", "'LL", "'Re", "'ve", "'D", "'M", "'t", "\r\n", "\n\n", "://", "->", "=>", "...", "{\"", "\":", "\",", "0x",
        "👨‍👩‍👧", "👍🏽", "🏳️‍🌈", "1️⃣", "e\u0301", "\u200D", "\uFE0F", "\uFFFD",
    ];

    private static void AppendRun(Random random, StringBuilder text)
    {
        var length = random.Next(1, 13);
        var kind = random.Next(22);
        for (var i = 0; i < length; i++)
        {
            switch (kind)
            {
                case 0 or 1 or 2:
                    text.Append((char)random.Next('a', 'z' + 1));
                    break;
                case 3:
                    text.Append((char)random.Next('A', 'Z' + 1));
                    break;
                case 4:
                    text.Append((char)random.Next('0', '9' + 1));
                    break;
                case 5:
                    text.Append(" \t\r\n\v\f"[random.Next(6)]);
                    break;
                case 6:
                    text.Append(' ');
                    break;
                case 7:
                    text.Append("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"[random.Next(32)]);
                    break;
                case 8:
                    text.Append((char)random.Next(0xC0, 0x250)); // Latin-1 supplement and extended
                    break;
                case 9:
                    text.Append((char)random.Next(0x370, 0x530)); // Greek, Cyrillic
                    break;
                case 10:
                    text.Append((char)random.Next(0x4E00, 0x9FFF)); // CJK
                    break;
                case 11:
                    text.Append((char)random.Next(0x3040, 0x3100)); // kana
                    break;
                case 12:
                    text.Append((char)random.Next(0x0600, 0x0700)); // Arabic
                    break;
                case 13:
                    text.Append((char)random.Next(0x0900, 0x0980)); // Devanagari
                    break;
                case 14:
                    text.Append((char)random.Next(0x0300, 0x0370)); // combining marks
                    break;
                case 15:
                    text.Append(char.ConvertFromUtf32(random.Next(2) == 0
                        ? random.Next(0x1F300, 0x1FAFF) // emoji
                        : random.Next(0x1F3FB, 0x1F400))); // skin tones
                    break;
                case 16:
                    text.Append(char.ConvertFromUtf32(random.Next(0x10000, 0x30000))); // other supplementary planes
                    break;
                case 17:
                    text.Append((char)random.Next(0xD800, 0xE000)); // lone (or accidentally paired) surrogates
                    break;
                case 18:
                    text.Append((char)random.Next(0, 0x20)); // NUL and controls
                    break;
                case 19:
                    text.Append((char)random.Next(0x80, 0x10000)); // anything in the BMP
                    break;
                case 20 or 21:
                    text.Append(Fragments[random.Next(Fragments.Length)]);
                    break;
            }
        }
    }
}
