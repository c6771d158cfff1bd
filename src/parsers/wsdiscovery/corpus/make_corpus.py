#!/usr/bin/env python3
"""Regenerates the wsd_fuzz seed corpus: datagrams as [flags:1][length:2 BE][bytes]. The
messages are synthetic, written from WS-Discovery 1.1, IEEE 11073-20701/20702 and ONVIF Core
(no capture in ../shared/data has UDP 3702 traffic); the same ones the unit tests use."""
import os

here = os.path.dirname(os.path.abspath(__file__))


def dgram(data, to_client=False):
    return bytes([1 if to_client else 0]) + len(data).to_bytes(2, "big") + data


def write(name, *msgs):
    with open(os.path.join(here, name), "wb") as f:
        f.write(b"".join(msgs))


SOAP = ('<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:a="http://www.w3.org/2005/08/addressing" '
        'xmlns:d="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01" '
        'xmlns:dpws="http://docs.oasis-open.org/ws-dd/ns/dpws/2009/01" '
        'xmlns:mdpws="http://standards.ieee.org/downloads/11073/11073-20702-2016">'
        '<e:Header><a:Action>http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01/{kind}</a:Action>'
        '<a:MessageID>urn:uuid:1</a:MessageID><d:AppSequence InstanceId="5" MessageNumber="2"/>'
        '</e:Header><e:Body>{body}</e:Body></e:Envelope>')
EPR = '<a:EndpointReference><a:Address>urn:uuid:dev</a:Address></a:EndpointReference>'
hello = SOAP.format(kind="Hello", body=(
    '<d:Hello>' + EPR + '<d:Types>dpws:Device mdpws:MedicalDevice</d:Types>'
    '<d:Scopes>sdc.mds.pkp:1.2.840.10004.20701.1.1 '
    'sdc.ctxt.loc:/sdc.ctxt.loc.detail/x?fac=H&amp;bldng=B&amp;poc=ICU&amp;flr=3&amp;rm=12&amp;bed=2 '
    'sdc.ctxt.pat:/sdc.ctxt.pat.detail/PAT-TEST-0001</d:Scopes>'
    '<d:XAddrs>https://10.0.0.5:6464/x</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:Hello>'))
write("sdc_hello_patient_scope", dgram(hello.encode()))
write("bye_resolve_matches",
      dgram(SOAP.format(kind="Bye", body="<d:Bye>" + EPR + "</d:Bye>").encode()),
      dgram(SOAP.format(kind="ResolveMatches", body="<d:ResolveMatches><d:ResolveMatch>" + EPR +
                        "<d:XAddrs>http://a/1</d:XAddrs></d:ResolveMatch></d:ResolveMatches>").encode(), True))
onvif_probe = ('<?xml version="1.0" encoding="utf-8"?><Envelope xmlns:dn="http://www.onvif.org/ver10/network/wsdl" '
               'xmlns="http://www.w3.org/2003/05/soap-envelope"><Header><wsa:Action '
               'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">'
               'http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action></Header><Body>'
               '<Probe xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery"><Types>dn:NetworkVideoTransmitter'
               '</Types><Scopes /></Probe></Body></Envelope>')
onvif_match = ('<?xml version="1.0"?><S:Envelope xmlns:S="http://www.w3.org/2003/05/soap-envelope" '
               'xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
               'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" '
               'xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><S:Header><w:RelatesTo>uuid:2</w:RelatesTo>'
               '</S:Header><S:Body><d:ProbeMatches><d:ProbeMatch><w:EndpointReference><w:Address>urn:uuid:cam'
               '</w:Address></w:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types>'
               '<d:Scopes><![CDATA[onvif://www.onvif.org/type/video_encoder]]> <!-- c --> '
               'onvif://www.onvif.org/location/ward&#x2D;3</d:Scopes>'
               '<d:XAddrs>http://192.168.1.64/onvif/device_service</d:XAddrs></d:ProbeMatch></d:ProbeMatches>'
               '</S:Body></S:Envelope>')
write("onvif_probe_and_match", dgram(onvif_probe.encode()), dgram(onvif_match.encode(), True))
write("doctype_and_malformed",
      dgram(b'<!DOCTYPE e [<!ENTITY x "y">]><e:Envelope xmlns:e="urn:x"><e:Body>&x;</e:Body></e:Envelope>'),
      dgram(b'<e:Envelope><e:Body></e:Header>'),
      dgram(b'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n'))
