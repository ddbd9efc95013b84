"""deploy/cloudfront.yaml: plain YAML, a CloudFormation template whose cache honours the site's
own Cache-Control (asxdb_site/http_caching.py) and keys on every query string and encoding."""

from pathlib import Path

import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "cloudfront.yaml"


def template() -> dict:
    return yaml.safe_load(TEMPLATE.read_text())  # no `!Ref` tags: safe_load would refuse them


def resource(kind: str) -> dict:
    (found,) = [r for r in template()["Resources"].values() if r["Type"] == kind]
    return found["Properties"]


def test_it_is_a_cloudformation_template_whose_references_resolve():
    document = template()
    assert document["AWSTemplateFormatVersion"] == "2010-09-09"
    names = set(document["Resources"]) | set(document["Parameters"])

    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Ref":
                    yield value
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    assert set(refs(document)) <= names


def test_the_cache_policy_honours_the_origin_cache_control():
    config = resource("AWS::CloudFront::CachePolicy")["CachePolicyConfig"]
    # no-store and max-age=0 mean no time; no Cache-Control means not cached; max-age up to a year
    assert config["MinTTL"] == 0 and config["DefaultTTL"] == 0
    assert config["MaxTTL"] >= 86400
    key = config["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["EnableAcceptEncodingGzip"] and key["EnableAcceptEncodingBrotli"]
    assert key["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    assert key["CookiesConfig"]["CookieBehavior"] == "none"
    assert key["HeadersConfig"]["HeaderBehavior"] == "none"


def test_the_distribution_caches_reads_and_passes_init_through():
    config = resource("AWS::CloudFront::Distribution")["DistributionConfig"]
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["CachedMethods"] == ["GET", "HEAD"]
    assert "POST" in behaviour["AllowedMethods"]  # POST /init/, never cached
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["CachePolicyId"] == {"Ref": "SiteCachePolicy"}
    (origin,) = config["Origins"]
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    # the viewer's Host never reaches API Gateway, which answers only its own
    request_policy = resource("AWS::CloudFront::OriginRequestPolicy")
    headers = request_policy["OriginRequestPolicyConfig"]["HeadersConfig"]
    assert headers["HeaderBehavior"] == "none"
