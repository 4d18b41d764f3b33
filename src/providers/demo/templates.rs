//! Transaction templates: merchant, Plaid personal-finance category and payment
//! channel of every kind of row the demo bank produces.

/// What a kind of transaction looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Template {
    pub(super) name: &'static str,
    pub(super) merchant: Option<&'static str>,
    pub(super) primary: &'static str,
    pub(super) detailed: &'static str,
    pub(super) channel: &'static str,
    /// Restaurants: the posted amount adds a tip to the authorised one.
    pub(super) tipped: bool,
}

const fn t(
    name: &'static str,
    merchant: Option<&'static str>,
    primary: &'static str,
    detailed: &'static str,
    channel: &'static str,
) -> Template {
    Template {
        name,
        merchant,
        primary,
        detailed,
        channel,
        tipped: false,
    }
}

const fn tipped(name: &'static str, merchant: &'static str, detailed: &'static str) -> Template {
    Template {
        name,
        merchant: Some(merchant),
        primary: "FOOD_AND_DRINK",
        detailed,
        channel: "in store",
        tipped: true,
    }
}

const INSTORE: &str = "in store";
const ONLINE: &str = "online";
pub(super) const OTHER: &str = "other";

pub(super) const PAYROLL: Template = t(
    "ACME CORP PAYROLL DIRECT DEP",
    Some("Acme Corp"),
    "INCOME",
    "INCOME_WAGES",
    OTHER,
);
pub(super) const TAX_REFUND: Template = t(
    "IRS TREAS 310 TAX REF",
    Some("IRS"),
    "INCOME",
    "INCOME_TAX_REFUND",
    OTHER,
);
pub(super) const RENT: Template = t(
    "GREYSTAR RENT PAYMENT",
    Some("Greystar"),
    "RENT_AND_UTILITIES",
    "RENT_AND_UTILITIES_RENT",
    ONLINE,
);
pub(super) const ELECTRIC: Template = t(
    "PGANDE WEB ONLINE PAYMENT",
    Some("Pacific Gas and Electric"),
    "RENT_AND_UTILITIES",
    "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
    ONLINE,
);
pub(super) const INTERNET: Template = t(
    "COMCAST XFINITY",
    Some("Xfinity"),
    "RENT_AND_UTILITIES",
    "RENT_AND_UTILITIES_INTERNET_AND_CABLE",
    ONLINE,
);
pub(super) const PHONE: Template = t(
    "VERIZON WIRELESS PAYMENT",
    Some("Verizon"),
    "RENT_AND_UTILITIES",
    "RENT_AND_UTILITIES_TELEPHONE",
    ONLINE,
);
pub(super) const INSURANCE: Template = t(
    "GEICO AUTO INSURANCE",
    Some("GEICO"),
    "GENERAL_SERVICES",
    "GENERAL_SERVICES_INSURANCE",
    ONLINE,
);
pub(super) const CAR_LOAN: Template = t(
    "TOYOTA FINANCIAL SERVICES",
    Some("Toyota Financial Services"),
    "LOAN_PAYMENTS",
    "LOAN_PAYMENTS_CAR_PAYMENT",
    ONLINE,
);
pub(super) const TO_SAVINGS: Template = t(
    "Transfer to Euro Savings",
    None,
    "TRANSFER_OUT",
    "TRANSFER_OUT_SAVINGS",
    OTHER,
);
pub(super) const CARD_AUTOPAY: Template = t(
    "Rewards Visa autopay",
    None,
    "LOAN_PAYMENTS",
    "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
    OTHER,
);
pub(super) const ATM: Template = t(
    "ATM withdrawal",
    None,
    "TRANSFER_OUT",
    "TRANSFER_OUT_WITHDRAWAL",
    OTHER,
);
pub(super) const VENMO_OUT: Template = t(
    "Venmo payment",
    Some("Venmo"),
    "TRANSFER_OUT",
    "TRANSFER_OUT_ACCOUNT_TRANSFER",
    ONLINE,
);
pub(super) const VENMO_IN: Template = t(
    "Venmo cashout",
    Some("Venmo"),
    "TRANSFER_IN",
    "TRANSFER_IN_ACCOUNT_TRANSFER",
    ONLINE,
);
pub(super) const CARD_PAYMENT_RECEIVED: Template = t(
    "Payment received - thank you",
    None,
    "LOAN_PAYMENTS",
    "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
    OTHER,
);
pub(super) const FROM_CHECKING: Template = t(
    "Transfer from Everyday Checking",
    None,
    "TRANSFER_IN",
    "TRANSFER_IN_SAVINGS",
    OTHER,
);
pub(super) const INTEREST: Template = t(
    "Interest payment",
    None,
    "INCOME",
    "INCOME_INTEREST_EARNED",
    OTHER,
);

const fn grocery(name: &'static str) -> Template {
    t(
        name,
        Some(name),
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_GROCERIES",
        INSTORE,
    )
}
const fn coffee(name: &'static str) -> Template {
    t(
        name,
        Some(name),
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_COFFEE",
        INSTORE,
    )
}
const fn fast_food(name: &'static str) -> Template {
    t(
        name,
        Some(name),
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_FAST_FOOD",
        INSTORE,
    )
}
const fn shop(name: &'static str, detailed: &'static str, channel: &'static str) -> Template {
    t(name, Some(name), "GENERAL_MERCHANDISE", detailed, channel)
}
const fn ride(name: &'static str) -> Template {
    t(
        name,
        Some(name),
        "TRANSPORTATION",
        "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
        ONLINE,
    )
}
const fn gas(name: &'static str) -> Template {
    t(
        name,
        Some(name),
        "TRANSPORTATION",
        "TRANSPORTATION_GAS",
        INSTORE,
    )
}
const fn pharmacy(name: &'static str) -> Template {
    t(
        name,
        Some(name),
        "MEDICAL",
        "MEDICAL_PHARMACIES_AND_SUPPLEMENTS",
        INSTORE,
    )
}

pub(super) const GROCERIES: [Template; 4] = [
    grocery("Whole Foods Market"),
    grocery("Trader Joe's"),
    grocery("Safeway"),
    grocery("Sprouts Farmers Market"),
];
pub(super) const COFFEE: [Template; 4] = [
    coffee("Starbucks"),
    coffee("Blue Bottle Coffee"),
    coffee("Peet's Coffee"),
    coffee("Philz Coffee"),
];
pub(super) const RESTAURANTS: [Template; 4] = [
    tipped("Sweetgreen", "Sweetgreen", "FOOD_AND_DRINK_RESTAURANT"),
    tipped(
        "The Cheesecake Factory",
        "The Cheesecake Factory",
        "FOOD_AND_DRINK_RESTAURANT",
    ),
    tipped("Olive Garden", "Olive Garden", "FOOD_AND_DRINK_RESTAURANT"),
    tipped("Nopa", "Nopa", "FOOD_AND_DRINK_RESTAURANT"),
];
pub(super) const FAST_FOOD: [Template; 3] = [
    fast_food("Chipotle Mexican Grill"),
    fast_food("McDonald's"),
    fast_food("Taco Bell"),
];
pub(super) const DOORDASH: Template = t(
    "DoorDash",
    Some("DoorDash"),
    "FOOD_AND_DRINK",
    "FOOD_AND_DRINK_RESTAURANT",
    ONLINE,
);
pub(super) const AMAZON: Template =
    shop("Amazon", "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES", ONLINE);
pub(super) const TARGET: Template = shop("Target", "GENERAL_MERCHANDISE_SUPERSTORES", INSTORE);
pub(super) const REFUNDS: [Template; 2] = [
    t(
        "Amazon.com refund",
        Some("Amazon"),
        "GENERAL_MERCHANDISE",
        "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",
        ONLINE,
    ),
    t(
        "Target return",
        Some("Target"),
        "GENERAL_MERCHANDISE",
        "GENERAL_MERCHANDISE_SUPERSTORES",
        INSTORE,
    ),
];
pub(super) const GAS: [Template; 2] = [gas("Shell"), gas("Chevron")];
pub(super) const RIDES: [Template; 2] = [ride("Uber"), ride("Lyft")];
pub(super) const PHARMACIES: [Template; 2] = [pharmacy("CVS Pharmacy"), pharmacy("Walgreens")];
pub(super) const NETFLIX: Template = t(
    "Netflix",
    Some("Netflix"),
    "ENTERTAINMENT",
    "ENTERTAINMENT_TV_AND_MOVIES",
    ONLINE,
);
pub(super) const SPOTIFY: Template = t(
    "Spotify",
    Some("Spotify"),
    "ENTERTAINMENT",
    "ENTERTAINMENT_MUSIC_AND_AUDIO",
    ONLINE,
);
pub(super) const GYM: Template = t(
    "Planet Fitness",
    Some("Planet Fitness"),
    "PERSONAL_CARE",
    "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
    ONLINE,
);
const PARKING: Template = t(
    "SFMTA Parking Meter",
    Some("SFMTA"),
    "TRANSPORTATION",
    "TRANSPORTATION_PARKING",
    INSTORE,
);
const DELI: Template = tipped(
    "Corner Deli & Cafe",
    "Corner Deli & Cafe",
    "FOOD_AND_DRINK_RESTAURANT",
);
const BAKERY: Template = tipped("Tartine Bakery", "Tartine Bakery", "FOOD_AND_DRINK_COFFEE");

/// Small debit-card purchases the churn draws from: (template, min cents, max cents).
pub(super) const CHURN_KINDS: [(Template, i64, i64); 8] = [
    (coffee("Starbucks"), 375, 725),
    (coffee("Blue Bottle Coffee"), 450, 850),
    (DELI, 900, 2_400),
    (BAKERY, 600, 1_800),
    (PARKING, 200, 800),
    (pharmacy("Walgreens"), 400, 2_200),
    (ride("Lyft"), 700, 2_500),
    (fast_food("Chipotle Mexican Grill"), 1_000, 1_700),
];
