"""Business travel: trips with flight legs, their distances and emissions; estimates."""
