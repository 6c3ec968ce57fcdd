package mixi

import (
	"github.com/fakeapi/fakeapi/internal/oauth1"
)

// Fixtures is the schema of fixtures/mixi.json and of the state the admin
// API exports and imports (provider.State). Fields marked "runtime" are
// optional in a fixture and written by Export when they hold anything.
type Fixtures struct {
	Apps  []App  `json:"apps"`
	Users []User `json:"users"`
	// Friendships are symmetric (docs/providers/mixi.md, "Fixtures") and
	// written compactly, one line per user: "10001:10002,10003" makes 10001
	// a friend of 10002 and of 10003 and each of them a friend of 10001. A
	// pair may appear once.
	// Lines, not a [][2]string of pairs, keep a 1M-friendship document small
	// and fast to decode (one JSON string per user instead of 3M tokens).
	Friendships []string    `json:"friendships"`
	Albums      []Album     `json:"albums,omitempty"`
	MediaItems  []MediaItem `json:"mediaItems,omitempty"`
	// AppData is Persistence API data, per app and user.
	AppData []AppData `json:"appdata,omitempty"`
	// DefaultViewer is the app and user a request without opensocial_*
	// parameters acts for (docs/providers/mixi.md, "The default viewer");
	// omitted, the first app that has a user and its smallest user id.
	// Export always writes the one in force.
	DefaultViewer *ViewerSetting `json:"defaultViewer,omitempty"`
	// Requests (runtime) are requests sent through invite:friends.
	Requests []Request `json:"requests,omitempty"`
	// Invitations (runtime) are invitations sent through invite:friends
	// without a message.
	Invitations []Invitation `json:"invitations,omitempty"`
	// Nonces (runtime) are OAuth nonces still inside the timestamp window.
	Nonces []oauth1.UsedNonce `json:"nonces,omitempty"`

	// built is the indexed form, made by Validate so that loading a large
	// document checks and indexes it in one pass.
	built *dataset
}

// App is a mixi appli: its app id and the consumer key and secret of the
// 2-legged OAuth signature [doc: 2-legged OAuth].
type App struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	ConsumerKey    string `json:"consumerKey"`
	ConsumerSecret string `json:"consumerSecret"`
	// CallbackHosts are the hosts an invite:friends callback may point to:
	// anything else would be an open redirect (docs/providers/mixi.md, "invite:friends").
	CallbackHosts []string `json:"callbackHosts"`
	// SAPURL is the app's own server behind the mobile gateway, and
	// LifecycleURL the receiver of its add and remove events: absolute
	// http or https URLs (docs/providers/mixi.md, "Gateway"). The admin API
	// changes both at run time.
	SAPURL       string `json:"sapUrl,omitempty"`
	LifecycleURL string `json:"lifecycleUrl,omitempty"`
}

// User is a mixi member. Omitted optional fields take defaults:
// displayName = nickname, thumbnailUrl = mixi's no-image picture,
// profileUrl = http://mixi.jp/show_friend.pl?id=<id>, lastLogin and updated
// = defaultTime, profileVisibility = "friends", basicDisclosure = true,
// deviceId = "user-<id>" (so userHash differs per user unless two users name
// the same device).
type User struct {
	ID           string    `json:"id"`
	Nickname     string    `json:"nickname"`
	DisplayName  string    `json:"displayName,omitempty"`
	ThumbnailURL string    `json:"thumbnailUrl,omitempty"`
	ProfileURL   string    `json:"profileUrl,omitempty"`
	BloodType    string    `json:"bloodType,omitempty"` // A, B, O, AB [doc]
	Addresses    []Address `json:"addresses,omitempty"`
	Birthday     string    `json:"birthday,omitempty"` // YYYY-MM-DD
	Gender       string    `json:"gender,omitempty"`   // male, female
	LastLogin    string    `json:"lastLogin,omitempty"`
	Updated      string    `json:"updated,omitempty"`
	// ProfileVisibility is public (全体公開), friends (友人まで公開),
	// friends_of_friends (友人の友人まで公開) or private
	// (docs/providers/mixi.md, "Permission model").
	ProfileVisibility string `json:"profileVisibility,omitempty"`
	// BasicDisclosure false is "the user turned disclosure off" (▲/△).
	BasicDisclosure *bool `json:"basicDisclosure,omitempty"`
	// Name is the user's name as People returns it for fields=name; omitted,
	// it is read from displayName, family name first (docs/providers/mixi.md,
	// "People").
	Name *Name `json:"name,omitempty"`
	// Apps are the ids of the apps the user installed.
	Apps []string `json:"apps,omitempty"`
	// DeviceID is the phone the user registered with; userHash derives from
	// it and the app id, so a user who re-registered under a new id on the
	// same phone shares it [doc].
	DeviceID string `json:"deviceId,omitempty"`
}

// Name is an OpenSocial name with the parts mixi shows. Formatted
// defaults to "<familyName> <givenName>".
type Name struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

// Address is an OpenSocial address with the parts mixi shows.
type Address struct {
	Region   string `json:"region,omitempty"`
	Locality string `json:"locality,omitempty"`
}

// Album is a photo album (フォトアルバム).
type Album struct {
	ID           string `json:"id"`
	Owner        string `json:"owner"`
	Title        string `json:"title"`
	Description  string `json:"description,omitempty"`
	ThumbnailURL string `json:"thumbnailUrl,omitempty"`
	// Visibility: public, friends, friends_of_friends or private.
	Visibility string `json:"visibility"`
}

// MediaItem is a photo in an album.
type MediaItem struct {
	ID           string `json:"id"`
	AlbumID      string `json:"albumId"`
	Title        string `json:"title"`
	Description  string `json:"description,omitempty"`
	URL          string `json:"url"`
	ThumbnailURL string `json:"thumbnailUrl,omitempty"`
	FileSize     int64  `json:"fileSize"`
	MimeType     string `json:"mimeType"`
}

// AppData is one user's Persistence data for one app; values are strings
// [doc].
type AppData struct {
	App  string            `json:"app"`
	User string            `json:"user"`
	Data map[string]string `json:"data"`
}

// Request is a request sent with the invite:friends flow
// (docs/providers/mixi.md, "invite:friends").
type Request struct {
	ID         string   `json:"id"`
	App        string   `json:"app"`
	Sender     string   `json:"sender"`
	Recipients []string `json:"recipients"`
	// Deleted are the recipients who deleted it (DELETE /requests).
	Deleted   []string `json:"deleted,omitempty"`
	Message   string   `json:"message"`
	Image     string   `json:"image,omitempty"`
	URL       string   `json:"url,omitempty"`
	MobileURL string   `json:"mobileUrl,omitempty"`
	Created   string   `json:"created"`
}
