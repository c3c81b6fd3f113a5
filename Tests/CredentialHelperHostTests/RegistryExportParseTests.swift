import CredentialHelperHost
import Testing

@Suite("Registry export sections")
struct RegistryExportParseTests {
    @Test("parse gives every section and value, for a writer to read back what it wrote")
    func sections() throws {
        let export = RegistryExportTests.text([
            "Windows Registry Editor Version 5.00", "", #"[HKEY_CURRENT_USER\SOFTWARE\Policies\Claude]"#,
            #""a"="x""#, #""b"=dword:0000002a"#, #""c"=-"#, #"@="default""#, "", #"[-HKEY_CURRENT_USER\SOFTWARE\Old]"#,
        ])
        let sections = try RegistryExport.parse(RegistryExportTests.utf16(export))
        #expect(sections.count == 2)
        #expect(sections[0].path == #"HKEY_CURRENT_USER\SOFTWARE\Policies\Claude"#)
        #expect(sections[0].values.map(\.name) == ["a", "b", "c"])
        #expect(sections[0].values.map(\.value) == [.string("x"), .dword(42), .deleted])
        #expect(sections[1].deletesKey)
    }
}
