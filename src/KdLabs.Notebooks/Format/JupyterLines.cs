namespace KdLabs.Notebooks.Format;

/// <summary>Converts between a text and nbformat's "multiline string" (a list of lines, each keeping its newline).</summary>
public static class JupyterLines
{
    /// <summary>Splits <paramref name="text"/> after every '\n'; the remainder, if any, is the last item.</summary>
    public static List<string> Split(string text)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                lines.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }

        return lines;
    }

    /// <summary>Splits a text into lines without their line breaks ("\r\n" or "\n").</summary>
    public static string[] SplitPlain(string text) =>
        text.Length == 0 ? [] : text.Split(["\r\n", "\n"], StringSplitOptions.None);
}
