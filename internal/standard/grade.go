package standard

// seedGrades are GB/T 11762's grades of rapeseed by oil content (dry basis,
// %): the first grade whose minimum the seed reaches is its grade. Moisture
// and impurities do not change the grade; they are judged against the seed
// limits above, and a center dries, cleans or deducts weight for them.
var seedGrades = []string{"42", "40", "38", "36", "34"}

// SeedGrade returns the GB/T 11762 grade of rapeseed from its oil content:
// 1 (best) to 5, or 0 when it is below grade 5 (等外) or not a number.
func SeedGrade(oilContent any) int {
	v, ok := decimal(oilContent)
	if !ok {
		return 0
	}
	for i, floor := range seedGrades {
		if v.Cmp(mustRat(floor)) >= 0 {
			return i + 1
		}
	}
	return 0
}
