using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Tests;

/// <summary>A malformed notebook is rejected with its file and field named, never run as if empty.</summary>
public class NotebookValidationTests
{
    private const string Cell = """{"cell_type": "code", "metadata": {}, "source": ["1"], "outputs": [], "execution_count": null}""";

    private static string Notebook(string cells = $"[{Cell}]", string nbformat = "4", string minor = "5", string metadata = "{}") =>
        $$"""{"cells": {{cells}}, "metadata": {{metadata}}, "nbformat": {{nbformat}}, "nbformat_minor": {{minor}}}""";

    public static TheoryData<string, string> Malformed() => new()
    {
        { Notebook(cells: "{}"), "\"cells\" must be a list of cells, found an object" },
        { Notebook(cells: "42"), "\"cells\" must be a list of cells, found a number" },
        { """{"metadata": {}, "nbformat": 4, "nbformat_minor": 5}""", "no \"cells\" list" },
        { Notebook(nbformat: "\"4\""), "\"nbformat\" must be the number 4, found a string" },
        { Notebook(minor: "\"5\""), "\"nbformat_minor\" must be a whole number, found a string" },
        { Notebook(metadata: "[]"), "\"metadata\" must be an object, found a list" },
        { Notebook(cells: """[{"cell_type": "code", "metadata": {}, "source": 42, "outputs": []}]"""), "cells[0] (cell 1): \"source\" must be a string or a list of strings, found a number" },
        { Notebook(cells: """[{"cell_type": "code", "metadata": {}, "source": ["a", 7], "outputs": []}]"""), "cells[0] (cell 1): \"source\" must be a string or a list of strings" },
        { Notebook(cells: $"[{Cell}, 42]"), "cells[1] (cell 2) must be an object, found a number" },
        { Notebook(cells: """[{"metadata": {}, "source": ""}]"""), "cells[0] (cell 1): \"cell_type\" is missing" },
        { Notebook(cells: """[{"cell_type": "python", "metadata": {}, "source": ""}]"""), "cells[0] (cell 1): \"cell_type\" 'python' is not code, markdown or raw" },
        { Notebook(cells: """[{"cell_type": "code", "metadata": [], "source": "", "outputs": []}]"""), "cells[0] (cell 1): \"metadata\" must be an object" },
        { Notebook(cells: """[{"cell_type": "code", "metadata": {}, "source": "", "outputs": {}}]"""), "cells[0] (cell 1): \"outputs\" must be a list" },
        { Notebook(cells: """[{"cell_type": "code", "metadata": {}, "source": "", "outputs": [], "execution_count": "1"}]"""), "cells[0] (cell 1): \"execution_count\" must be a whole number or null" },
        { Notebook(cells: """[{"cell_type": "code", "metadata": {}, "source": "", "outputs": [3]}]"""), "cells[0] (cell 1): outputs[0] must be an object" },
        { Notebook(cells: """[{"cell_type": "code", "metadata": {}, "source": "", "outputs": [{"output_type": "stream", "name": "stdout", "text": 5}]}]"""), "cells[0] (cell 1): outputs[0]: \"text\" must be a string or a list of strings" },
        { "[1, 2]", "must hold a JSON object" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task MalformedIpynbIsRejectedNamingFileAndField(string json, string expected)
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.ipynb");
        File.WriteAllText(path, json);

        var load = Assert.Throws<FormatException>(() => NotebookFile.Load(path));
        Assert.StartsWith($"{path}: ", load.Message);
        Assert.Contains(expected, load.Message);

        var run = await Assert.ThrowsAsync<FormatException>(() => new NotebookRunner().RunAsync(
            new NotebookRunRequest { NotebookPath = path, OutputDirectory = dir.File("out") }, CancellationToken.None));
        Assert.Equal(load.Message, run.Message);
        Assert.False(Directory.Exists(dir.File("out")), "nothing is written for a notebook that cannot be read");
    }

    [Fact]
    public void WellFormedNotebookStillParses()
    {
        var nb = IpynbFormat.Parse(Notebook());
        Assert.Equal("1", Assert.Single(nb.Cells).Source);
    }

    [Theory]
    [InlineData("#!meta\n\n[1]\n\n#!csharp\n\n1", "#!meta must hold a JSON object")]
    [InlineData("#!meta\n\n{\"kernelInfo\": \n\n#!csharp\n\n1", "#!meta block is not valid JSON")]
    [InlineData("#!meta\n\n{\"kernelInfo\": 3}\n\n#!csharp\n\n1", "#!meta: \"kernelInfo\" must be an object")]
    public void MalformedDibIsRejectedNamingFileAndBlock(string text, string expected)
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad.dib");
        File.WriteAllText(path, text);
        var e = Assert.Throws<FormatException>(() => NotebookFile.Load(path));
        Assert.StartsWith($"{path}: ", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
