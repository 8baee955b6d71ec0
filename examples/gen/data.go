package main

// The fixed material the generator draws from: places, names, specialties,
// the users of the example roster and the accounts the example config names.

// An area is where an account's address lies: a 3-digit ZIP prefix (or a
// Canadian forward sortation area), or one exact 5-digit ZIP for the
// academic campuses some territories name one by one.
type area struct {
	code    string
	state   string
	country string
	cities  []string
	weight  int
}

// areas are weighted roughly by the number of prescribers. Most lie in the
// example config's geographies; a few lie in none, so that some accounts stay
// unaligned, and the Canadian ones are dropped by the country filter.
var areas = []area{
	// Northeast.
	{"021", "MA", "US", []string{"Boston", "Cambridge", "Brookline", "Quincy", "Somerville"}, 34},
	{"022", "MA", "US", []string{"Boston"}, 8},
	{"018", "MA", "US", []string{"Lowell", "Woburn", "Burlington", "Andover"}, 9},
	{"019", "MA", "US", []string{"Lynn", "Salem", "Peabody", "Beverly"}, 7},
	{"020", "MA", "US", []string{"Brockton", "Norwood", "Plymouth", "Taunton"}, 7},
	{"010", "MA", "US", []string{"Springfield", "Chicopee", "Holyoke", "Westfield"}, 5},
	{"011", "MA", "US", []string{"Springfield"}, 3},
	{"028", "RI", "US", []string{"Warwick", "Cranston", "Westerly"}, 4},
	{"029", "RI", "US", []string{"Providence", "East Providence"}, 6},
	{"060", "CT", "US", []string{"Farmington", "Bristol", "Enfield", "Manchester"}, 5},
	{"061", "CT", "US", []string{"Hartford", "West Hartford"}, 6},
	{"064", "CT", "US", []string{"Milford", "Meriden", "Branford"}, 4},
	{"065", "CT", "US", []string{"New Haven", "Hamden"}, 6},
	{"100", "NY", "US", []string{"New York"}, 36},
	{"101", "NY", "US", []string{"New York"}, 6},
	{"102", "NY", "US", []string{"New York"}, 3},
	{"104", "NY", "US", []string{"Bronx"}, 9},
	{"112", "NY", "US", []string{"Brooklyn"}, 16},
	{"113", "NY", "US", []string{"Flushing", "Forest Hills", "Jackson Heights"}, 9},
	{"115", "NY", "US", []string{"Mineola", "Garden City", "Rockville Centre"}, 6},
	{"117", "NY", "US", []string{"Hicksville", "Huntington", "Bay Shore", "Smithtown"}, 7},
	{"070", "NJ", "US", []string{"Livingston", "Montclair", "Elizabeth", "Kearny"}, 7},
	{"071", "NJ", "US", []string{"Newark"}, 5},
	{"074", "NJ", "US", []string{"Wayne", "Ridgewood", "Franklin Lakes"}, 4},
	{"075", "NJ", "US", []string{"Paterson"}, 3},
	{"085", "NJ", "US", []string{"Princeton", "Hamilton", "Lawrenceville"}, 4},
	{"086", "NJ", "US", []string{"Trenton"}, 3},
	{"190", "PA", "US", []string{"Bala Cynwyd", "Media", "Bryn Mawr", "Norristown"}, 7},
	{"191", "PA", "US", []string{"Philadelphia"}, 15},
	{"152", "PA", "US", []string{"Pittsburgh"}, 11},
	// Southeast.
	{"330", "FL", "US", []string{"Hollywood", "Hialeah", "Homestead"}, 7},
	{"331", "FL", "US", []string{"Miami", "Miami Beach", "Coral Gables"}, 14},
	{"333", "FL", "US", []string{"Fort Lauderdale", "Plantation", "Sunrise"}, 9},
	{"334", "FL", "US", []string{"West Palm Beach", "Boca Raton", "Delray Beach", "Jupiter"}, 9},
	{"336", "FL", "US", []string{"Tampa", "Brandon"}, 9},
	{"337", "FL", "US", []string{"St. Petersburg", "Clearwater", "Largo"}, 6},
	{"327", "FL", "US", []string{"Winter Park", "Sanford", "Altamonte Springs"}, 4},
	{"328", "FL", "US", []string{"Orlando"}, 9},
	{"322", "FL", "US", []string{"Jacksonville"}, 8},
	{"300", "GA", "US", []string{"Alpharetta", "Roswell", "Marietta", "Decatur"}, 8},
	{"303", "GA", "US", []string{"Atlanta"}, 11},
	{"282", "NC", "US", []string{"Charlotte"}, 9},
	{"276", "NC", "US", []string{"Raleigh", "Cary"}, 7},
	{"277", "NC", "US", []string{"Durham", "Chapel Hill"}, 6},
	{"372", "TN", "US", []string{"Nashville", "Brentwood"}, 8},
	{"381", "TN", "US", []string{"Memphis", "Germantown"}, 6},
	{"402", "KY", "US", []string{"Louisville"}, 6},
	// Central.
	{"606", "IL", "US", []string{"Chicago"}, 24},
	{"600", "IL", "US", []string{"Arlington Heights", "Skokie", "Park Ridge", "Highland Park"}, 7},
	{"601", "IL", "US", []string{"Schaumburg", "Elgin", "Hoffman Estates"}, 4},
	{"604", "IL", "US", []string{"Joliet", "Orland Park", "Oak Lawn"}, 5},
	{"441", "OH", "US", []string{"Cleveland", "Beachwood", "Lakewood"}, 9},
	{"432", "OH", "US", []string{"Columbus"}, 8},
	{"452", "OH", "US", []string{"Cincinnati"}, 7},
	{"482", "MI", "US", []string{"Detroit"}, 9},
	{"481", "MI", "US", []string{"Ann Arbor", "Dearborn", "Livonia"}, 7},
	{"770", "TX", "US", []string{"Houston", "Bellaire"}, 18},
	{"752", "TX", "US", []string{"Dallas"}, 13},
	{"787", "TX", "US", []string{"Austin"}, 8},
	{"782", "TX", "US", []string{"San Antonio"}, 8},
	{"554", "MN", "US", []string{"Minneapolis", "Edina", "Bloomington"}, 8},
	{"553", "MN", "US", []string{"Eden Prairie", "Maple Grove", "Hopkins"}, 4},
	{"532", "WI", "US", []string{"Milwaukee", "Wauwatosa"}, 6},
	// West.
	{"900", "CA", "US", []string{"Los Angeles"}, 22},
	{"902", "CA", "US", []string{"Beverly Hills", "Culver City", "El Segundo"}, 6},
	{"911", "CA", "US", []string{"Pasadena"}, 5},
	{"921", "CA", "US", []string{"San Diego", "La Jolla"}, 11},
	{"941", "CA", "US", []string{"San Francisco"}, 11},
	{"943", "CA", "US", []string{"Palo Alto", "Menlo Park", "Stanford"}, 5},
	{"945", "CA", "US", []string{"Walnut Creek", "Concord", "Pleasanton"}, 4},
	{"946", "CA", "US", []string{"Oakland"}, 5},
	{"951", "CA", "US", []string{"San Jose"}, 7},
	{"981", "WA", "US", []string{"Seattle"}, 10},
	{"980", "WA", "US", []string{"Bellevue", "Redmond", "Kirkland"}, 5},
	{"972", "OR", "US", []string{"Portland"}, 7},
	{"802", "CO", "US", []string{"Denver", "Aurora"}, 8},
	{"850", "AZ", "US", []string{"Phoenix", "Scottsdale"}, 9},
	// Academic campuses, as exact ZIP codes. The first ones lie inside a
	// covered prefix (rules name them), the last five outside every prefix
	// (territories list them as exact geographies).
	{"02215", "MA", "US", []string{"Boston"}, 5},
	{"10065", "NY", "US", []string{"New York"}, 4},
	{"10032", "NY", "US", []string{"New York"}, 3},
	{"10016", "NY", "US", []string{"New York"}, 3},
	{"77030", "TX", "US", []string{"Houston"}, 5},
	{"33136", "FL", "US", []string{"Miami"}, 3},
	{"38105", "TN", "US", []string{"Memphis"}, 2},
	{"03756", "NH", "US", []string{"Lebanon"}, 3},
	{"55905", "MN", "US", []string{"Rochester"}, 4},
	{"46202", "IN", "US", []string{"Indianapolis"}, 3},
	{"84112", "UT", "US", []string{"Salt Lake City"}, 3},
	{"73104", "OK", "US", []string{"Oklahoma City"}, 3},
	// Places no oncology territory covers (Cardiology covers 871).
	{"038", "NH", "US", []string{"Portsmouth", "Dover"}, 4},
	{"069", "CT", "US", []string{"Stamford", "Greenwich"}, 4},
	{"352", "AL", "US", []string{"Birmingham"}, 5},
	{"590", "MT", "US", []string{"Billings"}, 2},
	{"836", "ID", "US", []string{"Boise"}, 3},
	{"871", "NM", "US", []string{"Albuquerque"}, 4},
	{"681", "NE", "US", []string{"Omaha"}, 4},
	{"462", "IN", "US", []string{"Indianapolis", "Carmel"}, 4},
	// Puerto Rico.
	{"006", "PR", "PR", []string{"Aguadilla", "Mayagüez", "Arecibo"}, 5},
	{"007", "PR", "PR", []string{"Ponce", "Caguas", "Humacao"}, 6},
	{"009", "PR", "PR", []string{"San Juan", "Bayamón", "Carolina", "Guaynabo"}, 14},
	// Canada: in the CRM, outside the instance's country filter.
	{"M5G", "ON", "CA", []string{"Toronto"}, 8},
	{"H3A", "QC", "CA", []string{"Montréal"}, 5},
	{"V5Z", "BC", "CA", []string{"Vancouver"}, 4},
}

type weighted struct {
	value  string
	weight int
}

// specialties of HCPs. Two carry a comma, as Vault picklist labels may: a
// rule names them with "\," in an IN list.
var specialties = []weighted{
	{"Medical Oncology", 70},
	{"Hematology/Oncology", 60},
	{"Pediatric Oncology", 8},
	{"Radiation Oncology", 25},
	{"Surgical Oncology", 15},
	{"Gynecologic Oncology", 10},
	{"Hematology", 15},
	{"Cardiology", 80},
	{"Interventional Cardiology", 25},
	{"Cardiac Electrophysiology", 15},
	{"Advanced Heart Failure and Transplant Cardiology", 8},
	{"Surgery, Cardiothoracic", 10},
	{"Vascular Surgery", 10},
	{"Internal Medicine", 120},
	{"Family Medicine", 110},
	{"Nephrology", 25},
	{"Endocrinology", 25},
	{"Pulmonology", 25},
	{"Gastroenterology", 25},
	{"Neurology", 25},
	{"Rheumatology", 15},
	{"Urology", 15},
	{"Dermatology", 15},
	{"Plastic Surgery, Hand", 6},
	{"Nurse Practitioner", 35},
	{"Physician Assistant", 25},
}

// hcoTypes are account_type__v values of HCOs.
var hcoTypes = []weighted{
	{"Hospital", 20},
	{"Cancer Center", 8},
	{"Clinic", 22},
	{"Group Practice", 30},
	{"Pharmacy", 12},
	{"Infusion Center", 8},
}

var firstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
	"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Christopher", "Karen",
	"Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra", "Mark", "Ashley", "Steven", "Emily",
	"Andrew", "Michelle", "Joshua", "Amanda", "Kevin", "Melissa", "Brian", "Stephanie", "Wei", "Mei",
	"Hiroshi", "Yuki", "Priya", "Rahul", "Anil", "Deepa", "Carlos", "María", "José", "Ana",
	"Fatima", "Omar", "Ahmed", "Leila", "Olga", "Dmitri", "Ngozi", "Chidi", "Kwame", "Aisha",
	"Seo-yeon", "Min-jun", "Thanh", "Minh", "Giovanni", "Francesca", "Sean", "Siobhan", "Erik", "Ingrid",
	"Zoë", "Renée", "André", "Noah", "Olivia", "Liam", "Ava", "Ethan", "Grace", "Samuel",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
	"Chen", "Wang", "Patel", "Shah", "Kim", "Park", "Cohen", "Goldberg", "Kaplan", "O'Brien",
	"O'Neill", "Murphy", "Sullivan", "Kowalski", "Nowak", "Rossi", "Russo", "Yamamoto", "Tanaka", "Okafor",
	"Mensah", "Haddad", "Khalil", "Ivanova", "Petrov", "Müller", "Schmidt", "Lindqvist", "Dubois", "Santos",
	"Oliveira", "Díaz", "Van der Berg", "St. Clair", "Fitzgerald", "Brennan", "Gupta", "Iyer", "Nakamura", "Abernathy",
}

var prFirstNames = []string{"José", "María", "Luis", "Carmen", "Juan", "Ana", "Carlos", "Rosa", "Miguel", "Sofía", "Javier", "Isabel", "Ángel", "Lucía", "Ramón", "Nilda"}

var prLastNames = []string{"Rivera", "Rodríguez", "Torres", "Santiago", "Ortiz", "Colón", "Cruz", "Vega", "Figueroa", "Meléndez", "Rosario", "Morales", "Negrón", "Quiñones", "Acevedo", "Maldonado"}

var saints = []string{"Mary", "Joseph", "Luke", "Francis", "Vincent", "Elizabeth", "Anthony", "Jude", "Catherine", "John"}

var streets = []string{
	"Main St", "Washington St", "Park Ave", "Oak St", "Maple Ave", "Medical Center Dr", "Hospital Dr",
	"Elm St", "Broadway", "Market St", "Lake Shore Dr", "Cedar Ln", "Highland Ave", "Church St",
	"Center St", "Pine St", "Harbor Blvd", "University Ave", "Commonwealth Ave", "Professional Pkwy",
}

var prStreets = []string{"Calle Luna", "Ave. Ponce de León", "Calle San Jorge", "Carr. 2", "Ave. Roosevelt", "Calle Loíza"}

// Products: the example company's oncology and cardiovascular brands.
var (
	oncologyProducts = []string{"TAGRISSO", "IMFINZI", "LYNPARZA", "ENHERTU", "CALQUENCE", "TRUQAP", "IMJUDO"}
	cardioProducts   = []string{"FARXIGA", "BRILINTA", "LOKELMA", "WAINUA", "ANDEXXA"}
)

// A user is a user__sys record. The first ones are the roster of
// examples/config/roster.yaml (keep them in step); the others are in the CRM
// only.
type user struct {
	first, last, login string
	active             bool
}

var users = []user{
	{"Karen", "Whitfield", "kwhitfield", true},
	{"Daniel", "Brennan", "dbrennan", true},
	{"Alicia", "Moreno", "amoreno", true},
	{"Jonathan", "Weiss", "jweiss", true},
	{"Rebecca", "Liu", "rliu", true},
	{"Marcus", "Bell", "mbell", true},
	{"Sofia", "Alvarez", "salvarez", true},
	{"Tyler", "Hughes", "thughes", true},
	{"Brianna", "Scott", "bscott", true},
	{"Caleb", "Foster", "cfoster", true},
	{"Natalie", "Kowalski", "nkowalski", true},
	{"Omar", "Haddad", "ohaddad", true},
	{"Megan", "O'Connor", "moconnor", true},
	{"Diego", "Ramirez", "dramirez", true},
	{"Hannah", "Lindqvist", "hlindqvist", true},
	{"Steven", "Park", "spark", true},
	{"Jasmine", "Patel", "jpatel", true},
	{"Ethan", "Nakamura", "enakamura", true},
	{"Laura", "Bennett", "lbennett", true},
	{"Luis", "Figueroa", "lfigueroa", true},
	{"Robert", "Harrington", "rharrington", true},
	{"Patricia", "Gallagher", "pgallagher", true},
	{"Michael", "Sullivan", "msullivan", true},
	{"Rachel", "Goldstein", "rgoldstein", true},
	{"Anthony", "Russo", "arusso", true},
	{"Emily", "Carter", "ecarter", true},
	{"Derek", "Washington", "dwashington", true},
	{"Carmen", "Delgado", "cdelgado", true},
	{"Jordan", "Mitchell", "jmitchell", true},
	{"Kimberly", "Tran", "ktran", true},
	{"Andrew", "Novak", "anovak", true},
	{"Samantha", "Reyes", "sreyes", true},
	{"Brian", "Yamamoto", "byamamoto", true},
	{"Olivia", "Grant", "ogrant", true},
	// In the CRM only.
	{"Align", "Integration", "integration.align", true},
	{"Grace", "Holloway", "gholloway", true}, // CRM administrator
	{"Victor", "Lang", "vlang", true},        // medical science liaison
	{"Nina", "Petrova", "npetrova", true},    // medical science liaison
	{"Gregory", "Shaw", "gshaw", false},      // former oncology rep
	{"Paula", "Jensen", "pjensen", true},     // key account manager of the legacy CRM territory
}

// userID is the user__sys id of users[i].
func userID(i int) string { return id("USE-", i+1) }

// userByLogin returns the index of the user with that login.
func userByLogin(login string) int {
	for i, u := range users {
		if u.login == login {
			return i
		}
	}
	panic("no user " + login)
}

// A keyAccount is an account the example config names (manual assignments,
// exclusions, rule criteria): ACC-000001 onwards, the same at every size.
type keyAccount struct {
	name, first, last string
	recordType        string // HCP or HCO
	accountType       string
	specialty         string
	parent            int // 1-based index of the primary parent, 0 for none
	zip, city, state  string
	country           string
	status            string
	tier              string
}

var keyAccounts = []keyAccount{
	/* ACC-000001 */ {"Longwood Cancer Institute", "", "", "HCO", "Cancer Center", "", 0, "02215", "Boston", "MA", "US", "active__v", "A"},
	/* ACC-000002 */ {"Back Bay General Hospital", "", "", "HCO", "Hospital", "", 0, "02114", "Boston", "MA", "US", "active__v", "A"},
	/* ACC-000003 */ {"Granite State Cancer Center", "", "", "HCO", "Cancer Center", "", 0, "03756", "Lebanon", "NH", "US", "active__v", "B"},
	/* ACC-000004 */ {"Upper East Side Cancer Center", "", "", "HCO", "Cancer Center", "", 0, "10065", "New York", "NY", "US", "active__v", "A"},
	/* ACC-000005 */ {"Hudson Presbyterian Hospital", "", "", "HCO", "Hospital", "", 0, "10032", "New York", "NY", "US", "active__v", "A"},
	/* ACC-000006 */ {"Murray Hill Medical Center", "", "", "HCO", "Hospital", "", 0, "10016", "New York", "NY", "US", "active__v", "A"},
	/* ACC-000007 */ {"Biscayne Cancer Institute", "", "", "HCO", "Cancer Center", "", 0, "33136", "Miami", "FL", "US", "active__v", "A"},
	/* ACC-000008 */ {"Peachtree Heart Institute", "", "", "HCO", "Hospital", "", 0, "30309", "Atlanta", "GA", "US", "active__v", "A"},
	/* ACC-000009 */ {"Lakeshore Cancer Center", "", "", "HCO", "Cancer Center", "", 0, "60611", "Chicago", "IL", "US", "active__v", "A"},
	/* ACC-000010 */ {"Bayou Heart & Vascular Hospital", "", "", "HCO", "Hospital", "", 0, "77030", "Houston", "TX", "US", "active__v", "A"},
	/* ACC-000011 */ {"Gulf Coast Cancer Center", "", "", "HCO", "Cancer Center", "", 0, "77030", "Houston", "TX", "US", "active__v", "A"},
	/* ACC-000012 */ {"Zumbro Valley Clinic", "", "", "HCO", "Clinic", "", 0, "55905", "Rochester", "MN", "US", "active__v", "A"},
	/* ACC-000013 */ {"Pacific Coast Cancer Center", "", "", "HCO", "Cancer Center", "", 0, "90048", "Los Angeles", "CA", "US", "active__v", "A"},
	/* ACC-000014 */ {"Golden Gate Heart Center", "", "", "HCO", "Hospital", "", 0, "94143", "San Francisco", "CA", "US", "active__v", "A"},
	/* ACC-000015 */ {"Centro Oncológico de San Juan", "", "", "HCO", "Cancer Center", "", 0, "00927", "San Juan", "PR", "PR", "active__v", "A"},
	/* ACC-000016 */ {"Toronto Heart Clinic", "", "", "HCO", "Clinic", "", 0, "M5G 2C4", "Toronto", "ON", "CA", "active__v", "B"},
	/* ACC-000017 */ {"Margaret Chen", "Margaret", "Chen", "HCP", "Physician", "Medical Oncology", 1, "02215", "Boston", "MA", "US", "active__v", "A"},
	/* ACC-000018 */ {"Rafael Ortiz", "Rafael", "Ortiz", "HCP", "Physician", "Hematology/Oncology", 2, "02138", "Cambridge", "MA", "US", "active__v", "B"},
	/* ACC-000019 */ {"Priya Raman", "Priya", "Raman", "HCP", "Physician", "Medical Oncology", 0, "03801", "Portsmouth", "NH", "US", "active__v", "A"},
	/* ACC-000020 */ {"David Goldberg", "David", "Goldberg", "HCP", "Physician", "Cardiology", 0, "06902", "Stamford", "CT", "US", "active__v", "A"},
	/* ACC-000021 */ {"Linda Park", "Linda", "Park", "HCP", "Physician", "Interventional Cardiology", 10, "77030", "Houston", "TX", "US", "inactive__v", "B"},
	/* ACC-000022 */ {"James O'Brien", "James", "O'Brien", "HCP", "Physician", "Cardiac Electrophysiology", 7, "33136", "Miami", "FL", "US", "active__v", "A"},
	/* ACC-000023 */ {"Ana Lucía Rivera", "Ana Lucía", "Rivera", "HCP", "Physician", "Hematology/Oncology", 15, "00909", "San Juan", "PR", "PR", "active__v", "A"},
	/* ACC-000024 */ {"Thomas Nguyen", "Thomas", "Nguyen", "HCP", "Physician", "Medical Oncology", 16, "M5G 1X8", "Toronto", "ON", "CA", "active__v", "B"},
	/* ACC-000025 */ {"Susan Miller", "Susan", "Miller", "HCP", "Physician", "Medical Oncology", 9, "60611", "Chicago", "IL", "US", "active__v", "C"},
	/* ACC-000026 */ {"Kevin Walsh", "Kevin", "Walsh", "HCP", "Physician", "Plastic Surgery, Hand", 2, "02114", "Boston", "MA", "US", "active__v", "D"},
	/* ACC-000027 */ {"Helen Brooks", "Helen", "Brooks", "HCP", "Physician", "Surgery, Cardiothoracic", 14, "94143", "San Francisco", "CA", "US", "active__v", "A"},
	/* ACC-000028 */ {"Marcus Johnson", "Marcus", "Johnson", "HCP", "Physician", "Pediatric Oncology", 0, "38105", "Memphis", "TN", "US", "active__v", "B"},
	/* ACC-000029 */ {"Emily Sato", "Emily", "Sato", "HCP", "Physician", "Medical Oncology", 0, "59101", "Billings", "MT", "US", "active__v", "B"},
	/* ACC-000030 */ {"Ahmed Hassan", "Ahmed", "Hassan", "HCP", "Physician", "Cardiology", 0, "68131", "Omaha", "NE", "US", "active__v", "B"},
}

// crmTerritory is a territory__v record already in the CRM: most are
// territories of the config pushed earlier (name__v is the config id), the
// last one exists in the CRM only.
type crmTerritory struct {
	name, description string
	parent            int // 1-based index, 0 for a root
}

var crmTerritories = []crmTerritory{
	/* TER-000001 */ {"ONC-NAT", "Oncology National", 0},
	/* TER-000002 */ {"ONC-NE", "Oncology Northeast", 1},
	/* TER-000003 */ {"ONC-101", "Boston Metro", 2},
	/* TER-000004 */ {"ONC-102", "Manhattan", 2},
	/* TER-000005 */ {"CARD-NAT", "Cardiology National", 0},
	/* TER-000006 */ {"CARD-EA", "Cardiology East", 5},
	/* TER-000007 */ {"CARD-101", "New England", 6},
	/* TER-000008 */ {"CARD-KAM-LEGACY", "Legacy cardiology key accounts (CRM only)", 5},
}
