using System.Text.RegularExpressions;
using System.Xml.Linq;
using KdLabs.Infrastructure;

namespace KdLabs.Tests;

/// <summary>The kit can be reused: it has a licence, and every package it builds against is named in the notices.</summary>
public class LicenseTests
{
    private static string Root => KdLabsPaths.RepositoryRoot!;

    [Fact]
    public void LicenseIsMit()
    {
        string license = File.ReadAllText(Path.Combine(Root, "LICENSE"));
        Assert.StartsWith("MIT License", license, StringComparison.Ordinal);
        Assert.Contains("Permission is hereby granted, free of charge", license, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryCentralPackageIsInTheThirdPartyNotices()
    {
        var packages = XDocument.Load(Path.Combine(Root, "Directory.Packages.props"))
            .Descendants("PackageVersion").Select(e => (string)e.Attribute("Include")!).ToList();
        Assert.NotEmpty(packages);
        string notices = File.ReadAllText(Path.Combine(Root, "THIRD-PARTY-NOTICES.md"));
        // Package names as whole words of a table's first column ("| TorchSharp, TorchSharp-cpu | MIT | ..."), so
        // "TorchSharp" alone does not count as naming "TorchSharp.PyBridge".
        var named = notices.Split('\n')
            .Where(l => l.StartsWith("| ", StringComparison.Ordinal))
            .SelectMany(l => l.Split('|', StringSplitOptions.TrimEntries)[1].Split(',', StringSplitOptions.TrimEntries))
            .Select(n => Regex.Replace(n, @"\s*\(.*\)$", ""))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var missing = packages.Where(p => !named.Contains(p)).ToList();
        Assert.True(missing.Count == 0, $"THIRD-PARTY-NOTICES.md does not list {string.Join(", ", missing)}: add each with its licence (and check the licence allows MIT use).");
    }
}
