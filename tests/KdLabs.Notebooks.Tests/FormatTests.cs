using System.Text.Json.Nodes;
using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Tests;

public class FormatTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    [Fact]
    public void NotebookSavedByVscodeRoundTripsToTheSameJson()
    {
        var original = File.ReadAllText(Fixture("vscode-saved.ipynb"));

        var written = IpynbFormat.Serialize(IpynbFormat.Parse(original));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(original), JsonNode.Parse(written)), "JSON structure changed on round trip");
        // VS Code sorts keys and indents by one space; so do we, so the text is identical too.
        Assert.Equal(original.TrimEnd(), written.TrimEnd());
    }

    [Fact]
    public void ParsingKeepsMetadataIdsTagsAndOutputs()
    {
        var notebook = IpynbFormat.Read(Fixture("vscode-saved.ipynb"));

        Assert.Equal(6, notebook.Cells.Count);
        Assert.Equal("csharp", notebook.DefaultKernelName);
        Assert.Equal(CellType.Markdown, notebook.Cells[0].CellType);
        Assert.True(notebook.Cells[0].Extra.ContainsKey("attachments"));
        Assert.Equal("5f1c2a90", notebook.Cells[1].Id);
        Assert.True(notebook.Cells[1].HasTag("parameters"));
        Assert.Equal("csharp", notebook.Cells[1].KernelName);
        Assert.Equal("double temperature = 4;\nbool smoke = false;", notebook.Cells[1].Source);
        var stream = Assert.IsType<StreamOutput>(notebook.Cells[2].Outputs[0]);
        Assert.Equal("T = 4\r\nsmoke = False\r\n", stream.Text);
        var error = Assert.IsType<ErrorOutput>(notebook.Cells[4].Outputs[0]);
        Assert.Equal(2, error.Traceback.Count);
        Assert.Null(notebook.Cells[5].ExecutionCount);
    }

    [Fact]
    public void NewNotebookHasTheMetadataPolyglotWrites()
    {
        var notebook = Notebook.CreateCSharp();
        notebook.Cells.Add(NotebookCell.Markdown("# Title"));
        notebook.Cells.Add(NotebookCell.CSharp("var x = 1;\nx", "0a1b2c3d"));

        var json = JsonNode.Parse(IpynbFormat.Serialize(notebook))!;

        Assert.Equal(4, (int)json["nbformat"]!);
        Assert.Equal(5, (int)json["nbformat_minor"]!);
        Assert.Equal(".net-csharp", (string?)json["metadata"]!["kernelspec"]!["name"]);
        Assert.Equal(".NET (C#)", (string?)json["metadata"]!["kernelspec"]!["display_name"]);
        Assert.Equal("C#", (string?)json["metadata"]!["kernelspec"]!["language"]);
        Assert.Equal("polyglot-notebook", (string?)json["metadata"]!["language_info"]!["name"]);
        Assert.Equal("csharp", (string?)json["metadata"]!["polyglot_notebook"]!["kernelInfo"]!["defaultKernelName"]);
        Assert.Equal("csharp", (string?)json["metadata"]!["polyglot_notebook"]!["kernelInfo"]!["items"]![0]!["name"]);
        var code = json["cells"]![1]!;
        Assert.Equal("csharp", (string?)code["metadata"]!["dotnet_interactive"]!["language"]);
        Assert.Equal("csharp", (string?)code["metadata"]!["polyglot_notebook"]!["kernelName"]);
        Assert.Equal(new[] { "var x = 1;\n", "x" }, code["source"]!.AsArray().Select(n => (string)n!).ToArray());
        Assert.Null(code["execution_count"]);
        Assert.Empty(code["outputs"]!.AsArray());
    }

    [Fact]
    public void DibFileIsReadIntoCellsWithKernelInfo()
    {
        var notebook = DibFormat.Read(Fixture("polyglot.dib"));

        Assert.Equal(3, notebook.Cells.Count);
        Assert.Equal(CellType.Markdown, notebook.Cells[0].CellType);
        Assert.Equal("# A .dib notebook\n\nTwo C# cells follow.", notebook.Cells[0].Source);
        Assert.Equal("var greeting = \"hello\";", notebook.Cells[1].Source);
        Assert.Equal("csharp", notebook.Cells[1].KernelName);
        // Unknown magics stay in the cell (the runner reports them); only kernel switches split cells.
        Assert.Equal("#!time\ngreeting + \" world\"", notebook.Cells[2].Source);
        var kernelInfo = notebook.Metadata["polyglot_notebook"]!["kernelInfo"]!;
        Assert.Equal("csharp", (string?)kernelInfo["defaultKernelName"]);
        Assert.Equal(2, kernelInfo["items"]!.AsArray().Count);
    }

    [Fact]
    public void WriteIsAtomicAndLeavesNoTempFiles()
    {
        using var dir = new TempDirectory();
        var path = dir.File("a.ipynb");
        File.WriteAllText(path, "old");

        IpynbFormat.Write(Notebook.CreateCSharp(), path);

        Assert.StartsWith("{", File.ReadAllText(path));
        Assert.Equal(new[] { "a.ipynb" }, Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)).ToArray());
    }

    [Fact]
    public void SourceMayBeASingleString()
    {
        var notebook = IpynbFormat.Parse("""{"cells":[{"cell_type":"code","metadata":{},"source":"a\nb","outputs":[],"execution_count":null}],"metadata":{},"nbformat":4,"nbformat_minor":4}""");

        Assert.Equal("a\nb", notebook.Cells[0].Source);
        Assert.Equal("csharp", notebook.KernelOf(notebook.Cells[0]));
    }

    [Fact]
    public void UnsupportedNbformatIsAClearError()
    {
        var e = Assert.Throws<FormatException>(() => IpynbFormat.Parse("""{"cells":[],"metadata":{},"nbformat":3,"nbformat_minor":0}"""));
        Assert.Contains("nbformat 3", e.Message);
    }
}
