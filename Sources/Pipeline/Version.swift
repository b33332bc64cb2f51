/// The toolkit's version, printed by `trinocular --version` and written into reports.
public enum TrinocularVersion {
    public static let string = "0.1.0"
}
