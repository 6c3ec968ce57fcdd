// Package iijmio emulates the IIJmio クーポンスイッチAPI (coupon switch API) of
// IIJmio's mobile data service, v1 and v2:
//
//	GET  /mobile/d/v1/authorization/   OAuth 2.0 implicit grant (login + consent pages)
//	GET  /mobile/d/v{1,2}/coupon/      coupon volumes and ON/OFF state
//	PUT  /mobile/d/v{1,2}/coupon/      switch coupon use per line
//	GET  /mobile/d/v{1,2}/log/packet/  31 days of daily traffic
//
// docs/providers/iijmio.md holds every rule with its public source (IIJmio's
// reference, a 2014 capture of the live service, client repositories, RFCs)
// and says whether it is documented, seen in real clients or our choice;
// comments here cite its sections by title. It also lists the known
// differences from the real service.
//
// The implicit-grant token is minted by this package from the injected ID
// source, not through an OAuth library: the redirect's parameter order and
// encoding are IIJmio's own (docs/providers/iijmio.md, "The success
// redirect"), and there is no token endpoint to serve.
package iijmio
