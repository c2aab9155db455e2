using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Format;
using KdLabs.Notebooks.Parameters;

namespace KdLabs.Notebooks.Tests;

public class ParameterTests
{
    private const string Defaults = "params:var alpha = 0.5;\ndouble temperature = 4;\nbool smoke = false;\nint epochs = 5;\nstring dataDir = \"data\";";

    [Fact]
    public void ParametersCellIsParsedWithTypes()
    {
        var parameters = ParameterCell.Parse(Defaults[7..] + "\nvar count = -3;\nlong big = 1L;\nvar f = 1.5f;");

        Assert.Equal(
            ["alpha:Double", "temperature:Double", "smoke:Bool", "epochs:Int", "dataDir:String", "count:Int", "big:Long", "f:Float"],
            parameters.Select(p => $"{p.Name}:{p.Type}").ToArray());
        Assert.Equal("0.5", parameters[0].DefaultValue);
    }

    [Fact]
    public async Task GivenParametersAreInjectedAfterTheParametersCell()
    {
        using var dir = new TempDirectory();
        var values = new Dictionary<string, string>
        {
            ["alpha"] = "0.25",
            ["temperature"] = "2",
            ["smoke"] = "true",
            ["epochs"] = "1",
            ["dataDir"] = "C:\\data \"x\"",
        };

        var (result, nb) = await TestNotebooks.RunCellsWith(dir, values, "md:# P", Defaults, "$\"{alpha * 4}|{temperature / 4}|{smoke}|{epochs}|{dataDir}\"");

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal(4, nb.Cells.Count);
        var injected = nb.Cells[2];
        Assert.True(injected.HasTag("injected-parameters"));
        Assert.Contains("double alpha = 0.25d;", injected.Source);
        Assert.Contains("double temperature = 2d;", injected.Source);
        Assert.Contains("bool smoke = true;", injected.Source);
        Assert.Equal("csharp", injected.KernelName);
        Assert.Equal("1|0.5|True|1|C:\\data \"x\"", TestNotebooks.Text(nb.Cells[3].Outputs[0]));
        Assert.Equal("0.25", (string?)nb.Metadata["papermill"]!["parameters"]!["alpha"]);
    }

    [Fact]
    public async Task UnknownParameterIsRejectedBeforeAnythingRuns()
    {
        using var dir = new TempDirectory();
        var marker = dir.File("side-effect.txt");
        var path = TestNotebooks.Write(dir, "p.ipynb", $"System.IO.File.WriteAllText(@\"{marker}\", \"ran\");", Defaults);

        var e = await Assert.ThrowsAsync<ParameterException>(() =>
            TestNotebooks.Run(dir, path, new Dictionary<string, string> { ["epochs"] = "2", ["lr"] = "0.1" }));

        Assert.Contains("'lr'", e.Message);
        Assert.Contains("alpha, temperature, smoke, epochs, dataDir", e.Message);
        Assert.False(File.Exists(marker));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Theory]
    [InlineData("epochs", "five", "int")]
    [InlineData("temperature", "4,5", "double")]
    [InlineData("smoke", "yes", "bool")]
    public async Task ValueOfTheWrongTypeIsRejectedBeforeAnythingRuns(string name, string value, string type)
    {
        using var dir = new TempDirectory();
        var marker = dir.File("side-effect.txt");
        var path = TestNotebooks.Write(dir, "p.ipynb", $"System.IO.File.WriteAllText(@\"{marker}\", \"ran\");", Defaults);

        var e = await Assert.ThrowsAsync<ParameterException>(() =>
            TestNotebooks.Run(dir, path, new Dictionary<string, string> { [name] = value }));

        Assert.Contains($"'{name}'", e.Message);
        Assert.Contains($"'{value}'", e.Message);
        Assert.Contains(type, e.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void ParametersWithoutAParametersCellAreAnError()
    {
        var notebook = Notebook.CreateCSharp();
        notebook.Cells.Add(NotebookCell.CSharp("var x = 1;"));

        var e = Assert.Throws<ParameterException>(() =>
            ParameterBinder.Inject(notebook, new Dictionary<string, string> { ["x"] = "2" }, "nb.ipynb"));
        Assert.Contains("no cell is tagged 'parameters'", e.Message);
    }

    [Fact]
    public void ANumberTooLargeForItsTypeIsRefusedButInfinityTypedOnPurposeIsKept()
    {
        var f = new NotebookParameter("lr", ParameterType.Float, "float", "0.1f");
        var overflow = Assert.Throws<ParameterException>(() => ParameterBinder.ToLiteral(f, "1e39", "nb"));
        Assert.Contains("value '1e39' is outside the range of float", overflow.Message, StringComparison.Ordinal);
        Assert.Equal("float.PositiveInfinity", ParameterBinder.ToLiteral(f, "Infinity", "nb"));
        Assert.Equal("float.NegativeInfinity", ParameterBinder.ToLiteral(f, "-Infinity", "nb"));
        var d = new NotebookParameter("lr", ParameterType.Double, "double", "0.1");
        Assert.Throws<ParameterException>(() => ParameterBinder.ToLiteral(d, "-1e309", "nb"));
        Assert.Equal("1E+308d", ParameterBinder.ToLiteral(d, "1e308", "nb"));
    }

    [Fact]
    public void DoublesUseInvariantCulture()
    {
        var p = new NotebookParameter("lr", ParameterType.Double, "double", "0.1");
        var previous = Thread.CurrentThread.CurrentCulture;
        try
        {
            // de-DE's number format (decimal comma, group dot): the literal must still be C#'s 0.001d, not 0,001d. Built
            // by hand because the kit runs with InvariantGlobalization, where GetCultureInfo("de-DE") is not available.
            var german = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
            german.NumberFormat.NumberDecimalSeparator = ",";
            german.NumberFormat.NumberGroupSeparator = ".";
            Thread.CurrentThread.CurrentCulture = german;
            Assert.Equal("0.001d", ParameterBinder.ToLiteral(p, "1e-3", "nb"));
            Assert.Equal("0.25d", ParameterBinder.ToLiteral(p, "0.25", "nb"));
            Assert.Equal("3d", ParameterBinder.ToLiteral(p, "3", "nb"));
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = previous;
        }
    }

    [Fact]
    public async Task CourseRunnerGivesEachNotebookItsParametersAndContinuesAfterAFailure()
    {
        using var dir = new TempDirectory();
        var notebooks = Directory.CreateDirectory(dir.File("notebooks")).FullName;
        using (var sub = new TempDirectory())
        {
            File.Copy(TestNotebooks.Write(sub, "x.ipynb", "params:bool smoke = false;", "smoke ? \"smoke\" : \"full\""), Path.Combine(notebooks, "01-first.ipynb"));
            File.Copy(TestNotebooks.Write(sub, "y.ipynb", "throw new InvalidOperationException(\"broken\");"), Path.Combine(notebooks, "02-broken.ipynb"));
            File.Copy(TestNotebooks.Write(sub, "z.ipynb", "params:bool smoke = false;\nint epochs = 3;", "epochs"), Path.Combine(notebooks, "03-third.ipynb"));
        }

        var output = dir.File("site");
        var course = await CourseRunner.RunAsync(notebooks, output, new Dictionary<string, string> { ["smoke"] = "true" }, null, CancellationToken.None);

        Assert.Equal(RunStatus.Failed, course.Status);
        Assert.Equal([RunStatus.Succeeded, RunStatus.Failed, RunStatus.Succeeded], course.Notebooks.Select(n => n.Status).ToArray());
        Assert.Equal("smoke", TestNotebooks.Text(IpynbFormat.Read(course.Notebooks[0].ExecutedNotebookPath).Cells[2].Outputs[0]));
        var index = File.ReadAllText(course.IndexPath);
        Assert.Contains("href=\"01-first.html\"", index);
        Assert.Contains("href=\"02-broken.ipynb\"", index);
        Assert.Contains("broken", index);
        Assert.True(File.Exists(Path.Combine(output, "03-third.html")));

        await Assert.ThrowsAsync<ParameterException>(() =>
            CourseRunner.RunAsync(notebooks, output, new Dictionary<string, string> { ["smokee"] = "true" }, null, CancellationToken.None));
    }
}
