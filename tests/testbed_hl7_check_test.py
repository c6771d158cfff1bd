#!/usr/bin/python3
"""testbed/check_hl7.py: valid IHE PCD messages pass, and deliberately broken ones fail with
the reason (a segment missing or out of order, PCD-10 without its profile id, empty fields).

Usage: testbed_hl7_check_test.py REPO
"""
import os
import subprocess
import sys
import tempfile
import unittest

REPO = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
sys.path.insert(0, os.path.join(REPO, "testbed"))
import check_hl7  # noqa: E402

MSH = "MSH|^~\\&|PUMP0021^9CC8AE0A0215^EUI-64|ICU|PUMPGW|ICU|20261129120000||"
PID = "PID|||MRN-00417^^^DEMOHOSP^MR||Sample^Alice||19500101|F"
PV1 = "PV1||I|ICU^BED07^1"
SFT = "SFT|BD^L^^^^BD|9.19|Alaris PC Unit 8015|9.19-SN021"

PCD01 = "\r".join([
    MSH + "ORU^R01^ORU_R01|PUMP0021-1|P|2.6|||NE|AL|||||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
    SFT, PID, PV1,
    "OBR|1|PUMP0021-1^PUMP0021||69985^MDC_DEV_PUMP_INFUS_MDS^MDC|||20261129120000",
    "OBX|1||70049^MDC_DEV_PUMP_INFUS_LVP_MDS^MDC|1.0.0.0|||||||X",
    "PRT|1|UC||SB^Send by^participation||||||(01)00812345000211(21)SN021",
    "OBX|2|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.1.1.2|12|265266^MDC_DIM_MILLI_L_PER_HR^MDC|||||R",
]) + "\r"
PCD10 = "\r".join([
    MSH + "ORU^R42^ORU_R01|PUMP0021-EV1|P|2.6|||NE|AL|||||IHE_PCD_010^IHE PCD^1.3.6.1.4.1.19376.1.6.4.10^ISO",
    SFT, PID, PV1,
    "OBR|1|PUMP0021-EV1^PUMP0021||197288^MDC_EVT_PUMP_DELIV_START^MDC|||20261129120000",
    "OBX|1||70050^MDC_DEV_PUMP_INFUS_VMD^MDC|1.1.0.0|||||||X",
    "OBX|2|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.1.1.1|12|265266^MDC_DIM_MILLI_L_PER_HR^MDC|||||R",
]) + "\r"
PCD04 = "\r".join([
    MSH + "ORU^R40^ORU_R40|PUMP0021-AL1|P|2.6|||AL|NE|||||IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4.1^ISO",
    PID, PV1,
    "OBR|1|PUMP0021^9CC8AE0A0215^EUI-64|ALM-1^PUMP0021^EUI-64|196616^MDC_EVT_ALARM^MDC|||20261129120000",
    "OBX|1|CWE|196616^MDC_EVT_ALARM^MDC|1.0.0.0.1|196940^MDC_EVT_FLUID_LINE_OCCL^MDC||||||F",
    "OBX|2|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.0.0.0.3|start||||||F",
]) + "\r"
PCD03 = "\r".join([
    "MSH|^~\\&|BCMA|ICU|PUMPGW|ICU|20261129120000||RGV^O15^RGV_O15|BCMA0001|P|2.6|||AL|NE|||||IHE_PCD_PIV_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.3.1^ISO",
    PID, PV1,
    "ORC|RE|BCMA0001-ORD^BCMA||||||||||||||||||ICU",
    "RXG|1|1||0409-2720^heparin^NDC|250||263762^MDC_DIM_MILLI_L^MDC||||||||1200|[iU]/h^[iU]/h^UCUM",
    "RXR|IV^Intravenous^HL70162",
    "OBX|1||69986^MDC_DEV_PUMP_INFUS_VMD^MDC|||||||||||||||PUMP0021^^9CC8AE0A0215^EUI-64",
    "OBX|2|NM|68063^MDC_ATTR_PT_WEIGHT^MDC||70|kg^kg^UCUM|||||F",
]) + "\r"
ACK = "MSH|^~\\&|PUMPGW|ICU|BCMA|ICU|20261129120000||ACK^O15^ACK|ABCMA0001|P|2.6\rMSA|AA|BCMA0001\r"


def without(message, segment_prefix):
    return "\r".join(s for s in message.split("\r") if not s.startswith(segment_prefix))


class CheckHl7(unittest.TestCase):
    def assertValid(self, message, profile):
        got, errors = check_hl7.check_message(message)
        self.assertEqual(got, profile)
        self.assertEqual(errors, [])

    def assertInvalid(self, message, reason):
        _, errors = check_hl7.check_message(message)
        self.assertTrue(any(reason in e for e in errors), errors)

    def test_valid_profiles(self):
        self.assertValid(PCD01, "PCD-01")
        self.assertValid(PCD10, "PCD-10")
        self.assertValid(PCD04, "PCD-04")
        self.assertValid(PCD03, "PCD-03")
        self.assertValid(ACK, "ACK")
        self.assertValid(without(PCD03, "PV1"), "PCD-03")  # PV1 is optional in RGV^O15
        self.assertValid(PCD01.replace("\r", "\n"), "PCD-01")  # segments one per line

    def test_missing_or_misplaced_segments(self):
        self.assertInvalid(without(PCD01, "PID"), "do not follow the PCD-01 structure")
        self.assertInvalid(without(PCD01, "PV1"), "do not follow the PCD-01 structure")
        self.assertInvalid(without(PCD10, "PV1"), "do not follow the PCD-10 structure")
        self.assertInvalid(without(PCD01, "OBX"), "do not follow the PCD-01 structure")
        self.assertInvalid(without(PCD03, "RXR"), "do not follow the PCD-03 structure")
        self.assertInvalid(without(PCD03, "OBX"), "do not follow the PCD-03 structure")
        self.assertInvalid(without(PCD03, "ORC"), "do not follow the PCD-03 structure")
        self.assertInvalid(without(ACK, "MSA"), "do not follow the ACK structure")
        # RXR before RXG; OBX before its OBR.
        rgv = PCD03.split("\r")
        rgv[4], rgv[5] = rgv[5], rgv[4]
        self.assertInvalid("\r".join(rgv), "segments MSH PID PV1 ORC RXR RXG")
        oru = PCD01.split("\r")
        oru[4], oru[5] = oru[5], oru[4]
        self.assertInvalid("\r".join(oru), "do not follow the PCD-01 structure")

    def test_fields(self):
        self.assertInvalid(PCD10.replace("IHE_PCD_010", "IHE_PCD_001"), "PCD-10 without IHE_PCD_010")
        self.assertInvalid(PCD01.replace("|PUMP0021-1|P|2.6|", "||P|2.6|"), "MSH-10 (control id) is empty")
        self.assertInvalid(PCD01.replace("|P|2.6|", "|P||"), "MSH-12 (version) is empty")
        self.assertInvalid(PCD03.replace("|1200|", "|fast|"), "RXG-15 (give rate) 'fast' is not a number")
        self.assertInvalid(PCD03.replace("0409-2720^heparin^NDC", ""), "RXG-4 (give code) is empty")
        self.assertInvalid(PCD03.replace("ORC|RE|", "ORC||"), "ORC-1 (order control) is empty")
        self.assertInvalid(PCD01.replace("157784^MDC_FLOW_FLUID_PUMP^MDC", ""), "without an observation code")
        self.assertInvalid(ACK.replace("MSA|AA|", "MSA|OK|"), "MSA-1 'OK' is no acknowledgement code")
        self.assertInvalid(PCD01.replace("MSH|^~\\&|", "MSH|^~|"), "MSH-2 encoding characters")
        self.assertInvalid("PID|||x\rMSH|^~\\&|", "does not start with MSH")
        self.assertInvalid(PCD01.replace("ORU^R01^ORU_R01", "ADT^A01^ADT_A01"), "no PCD profile")
        self.assertInvalid(PCD01.replace("\rPV1|", "\rPV 1|"), "malformed segment")

    def test_mllp_deframing(self):
        stream = b"\x0b" + PCD01.encode() + b"\x1c\x0d" + b"\x0b" + ACK.encode() + b"\x1c\x0d\x0bMSH|partial"
        self.assertEqual(check_hl7.deframe(stream), [PCD01, ACK])

    def test_cli_exit_codes(self):
        with tempfile.TemporaryDirectory() as d:
            good = os.path.join(d, "good.hl7")
            bad = os.path.join(d, "bad.hl7")
            with open(good, "w") as f:
                f.write("\n\n".join(m.replace("\r", "\n") for m in (PCD01, PCD10, PCD03, ACK)))
            with open(bad, "w") as f:
                f.write("\n\n".join(m.replace("\r", "\n") for m in (PCD01, without(PCD10, "PV1"))))
            tool = os.path.join(REPO, "testbed", "check_hl7.py")
            r = subprocess.run([sys.executable, tool, "--messages", good], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("4 messages (ACK 1, PCD-01 1, PCD-03 1, PCD-10 1), 0 invalid", r.stdout)
            r = subprocess.run([sys.executable, tool, "--messages", bad], capture_output=True, text=True)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("INVALID PCD-10", r.stdout)
            self.assertIn("control PUMP0021-EV1", r.stdout)
            self.assertIn("1 invalid", r.stdout)
            r = subprocess.run([sys.executable, tool, "--messages", os.path.join(d, "none")],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
